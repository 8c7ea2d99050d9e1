// What the API server's decoder makes of YAML nulls in a NetworkPolicy. `ingress:`, `- from:`
// or `matchLabels:` with nothing after them are JSON nulls once kubectl sends them, and Go
// decodes a null into a slice, map or pointer field as nil (the field is absent) and leaves
// any other field at its zero value. So, after decoding:
// - a null field is absent; for the non-pointer structs (spec, spec.podSelector) absent is the
//   empty value ({}), which is what defaulting gives them anyway;
// - a null element of a list of structs (ingress, egress, from, to, ports, matchExpressions)
//   is an empty struct: `ingress: [null]` is the allow-all rule, `from: [null]` an empty peer
//   (which validation rejects: "must specify a peer");
// - a null element of a list of strings (policyTypes, except, values) and a null value in a
//   map of strings (matchLabels, labels, annotations) is "".
// Unknown fields are left alone, null or not, so strict validation still names them.
// Pure and tolerant: a value of the wrong shape is returned as it is, for validation to report.

type Json = unknown;
type Decoder = (v: Json) => Json;

const isMap = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A struct: null known fields dropped, known fields decoded; `loose` drops any null field. */
function struct(fields: Record<string, Decoder | null>, loose = false): Decoder {
  return (v) => {
    if (!isMap(v)) return v;
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(v)) {
      const known = Object.hasOwn(fields, key);
      if (value === null && (known || loose)) continue;
      const decode = known ? fields[key] : null;
      out[key] = decode ? decode(value) : value;
    }
    return out;
  };
}

/** A list of structs: a null element is the empty struct. */
const structs = (item: Decoder): Decoder => (v) => (Array.isArray(v) ? v.map((x) => item(x === null ? {} : x)) : v);
/** A list of strings: a null element is "". */
const strings: Decoder = (v) => (Array.isArray(v) ? v.map((x) => (x === null ? '' : x)) : v);
/** A map of strings: a null value is "". */
const stringMap: Decoder = (v) => (isMap(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? '' : x])) : v);

const selector = struct({ matchLabels: stringMap, matchExpressions: structs(struct({ key: null, operator: null, values: strings })) });
const peer = struct({ podSelector: selector, namespaceSelector: selector, ipBlock: struct({ cidr: null, except: strings }) });
const port = struct({ protocol: null, port: null, endPort: null });
const policy = struct({
  apiVersion: null,
  kind: null,
  // metadata is loose (copies of `kubectl get -o yaml` carry more, e.g. `creationTimestamp: null`).
  metadata: struct({ labels: stringMap, annotations: stringMap }, true),
  spec: struct({
    podSelector: selector,
    policyTypes: strings,
    ingress: structs(struct({ from: structs(peer), ports: structs(port) })),
    egress: structs(struct({ to: structs(peer), ports: structs(port) })),
  }),
});

/** A NetworkPolicy as written (YAML/JSON data) as the API server decodes it: nulls as above. */
export function decodeNulls<T = Json>(value: Json): T {
  return policy(value) as T;
}
