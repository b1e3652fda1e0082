// @pulumi/policy converts a request's properties from protobuf to JavaScript once for every policy it runs on the
// resource (server.js: deserializeProperties(req.getProperties()) inside the loop over policies), and once per
// resource for every stack policy. The request does not change in between, so the pack converts each Struct once.
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";

type JavaScriptValue = ReturnType<Struct["toJavaScript"]>;

/**
 * Makes `toJavaScript` of the given Struct class convert each instance once and answer later calls with that
 * value. Safe for the Structs of received requests, which nothing changes after decoding: @pulumi/policy builds
 * new objects from the value for every policy, so no policy sees another's (a test holds it to that). Its
 * Configure handler sets a field on the value of a policy's config, which it reads once. Returns the class.
 */
export function decodeStructsOnce<T extends typeof Struct>(struct: T): T {
    const decode = struct.prototype.toJavaScript;
    const decoded = new WeakMap<Struct, JavaScriptValue>();
    struct.prototype.toJavaScript = function toJavaScriptOnce(this: Struct): JavaScriptValue {
        let value = decoded.get(this);
        if (value === undefined) decoded.set(this, (value = decode.call(this)));
        return value;
    };
    return struct;
}
