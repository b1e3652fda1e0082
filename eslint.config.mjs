// Flat config: typescript-eslint's recommended rules on every TypeScript file of the project.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", "**/*.js", "reports/", ".stryker-tmp/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        rules: {
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            // The harness and tests load the program and fixtures with require() on purpose (fresh module per run).
            "@typescript-eslint/no-require-imports": "off",
            eqeqeq: ["error", "always"],
            "no-console": "off",
        },
    },
);
