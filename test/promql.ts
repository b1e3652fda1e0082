// PromQL syntax checks with Prometheus's own grammar (@prometheus-io/lezer-promql).
import { parser } from "@prometheus-io/lezer-promql";

/** The positions of syntax errors in `expr`; empty when it parses. */
export function promqlErrors(expr: string): number[] {
    const errors: number[] = [];
    parser.parse(expr).iterate({
        enter: (node) => {
            if (node.type.isError) errors.push(node.from);
        },
    });
    return errors;
}
