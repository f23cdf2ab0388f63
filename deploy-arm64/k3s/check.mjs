// Checks Kubernetes manifests against the API's OpenAPI schemas (kubernetes-models), with no cluster:
//   node check.mjs FILE.yaml...
// Every document must be a kind the schemas know and pass its schema: types, required fields, enums, formats.
// The schemas allow fields they do not define, so the tests also look for each hardening key by its exact name.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const failures = [];
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const [i, doc] of docs.entries()) {
    const where = `${file} document ${i + 1}`;
    if (doc.errors.length) { failures.push(`${where}: YAML: ${doc.errors[0].message}`); continue; }
    const obj = doc.toJS();
    if (obj === null) continue;
    const { apiVersion, kind } = obj;
    if (!apiVersion || !kind) { failures.push(`${where}: no apiVersion/kind`); continue; }
    const group = apiVersion.includes("/") ? apiVersion : `v1`;
    let Model;
    try {
      Model = (await import(`kubernetes-models/${group}/${kind}`))[kind];
    } catch {
      failures.push(`${where}: ${apiVersion} ${kind} is not a kind the schemas know`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      failures.push(`${where} (${kind} ${obj.metadata?.name}): ${e.message}`);
      continue;
    }
    console.log(`ok ${where}: ${apiVersion} ${kind} ${obj.metadata?.name ?? ""}`);
  }
}
for (const f of failures) console.error(`FAIL ${f}`);
process.exit(failures.length ? 1 : 0);
