// Offline check of rendered Kubernetes manifests (the output of `kubectl kustomize`), run by the
// mesh-deploy tests (K8sManifestsTest):
//   node check.mjs FILE.yaml...
// Every object must be of a kind this checker knows (the Kubernetes API of npm kubernetes-models, and
// the Prometheus Operator's CRDs of @kubernetes-models/prometheus-operator, generated from those CRDs'
// schemas), must validate against that kind's schema (types, required fields, enums, formats), and may
// hold no field the schema does not define (strict: kubernetes-models alone ignores unknown fields, the
// API server drops or refuses them).
//
// How unknown fields are found: for every field of an object that validates, the field's value is
// replaced by one of a type it cannot have and the object is validated again. A field the schema
// defines is then refused at its own path; a field it does not define is ignored by the validator, and
// is reported. So the check uses exactly the schema the validator has, and nothing hand-written.
//
// Prints one line per problem and exits 1 if there is any, else prints "ok: N objects" and exits 0.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// apiVersion -> the package folder holding its kinds (one file per kind).
function modulePath(apiVersion, kind) {
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (!/^[a-z0-9.]*$/.test(group) || !/^v[0-9a-z]+$/.test(version)) return null;
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  }
  return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

async function modelClass(apiVersion, kind) {
  const path = modulePath(String(apiVersion), String(kind));
  if (path == null) return null;
  let module;
  try {
    module = await import(path);
  } catch (e) {
    if (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return null;
    throw e;
  }
  return typeof module[kind] === "function" ? module[kind] : null;
}

// The validator's errors for data (an empty list when it validates).
function errorsOf(Model, data) {
  try {
    new Model(data).validate();
    return [];
  } catch (e) {
    if (Array.isArray(e.errors)) return e.errors;
    throw e;
  }
}

const pointer = (segments) => segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
const readable = (segments) =>
  segments.map((s, i) => (typeof s === "number" ? `[${s}]` : (i === 0 ? "" : ".") + (/^[A-Za-z0-9_]+$/.test(s) ? s : `"${s}"`))).join("");

function setAt(root, segments, value) {
  let node = root;
  for (let i = 0; i < segments.length - 1; i++) node = node[segments[i]];
  node[segments[segments.length - 1]] = value;
}

// Every field path of an object (object keys, recursing into objects and arrays).
function fieldPaths(node, segments, out) {
  if (Array.isArray(node)) {
    node.forEach((item, i) => fieldPaths(item, [...segments, i], out));
  } else if (node !== null && typeof node === "object") {
    for (const key of Object.keys(node)) {
      out.push([...segments, key]);
      fieldPaths(node[key], [...segments, key], out);
    }
  }
  return out;
}

function unknownFields(Model, object) {
  const unknown = [];
  const skip = []; // below an unknown field nothing is known either: report the top one only
  for (const segments of fieldPaths(object, [], [])) {
    if (segments.length <= 1 && (segments[0] === "apiVersion" || segments[0] === "kind")) continue;
    if (skip.some((s) => s.length < segments.length && s.every((x, i) => x === segments[i]))) continue;
    const copy = structuredClone(object);
    let original = copy;
    for (const s of segments) original = original[s];
    // A value of a type the field cannot have: every schema type but boolean refuses true.
    setAt(copy, segments, typeof original === "boolean" ? 12345.5 : true);
    const at = pointer(segments);
    const refused = errorsOf(Model, copy).some((e) => e.instancePath === at || e.instancePath.startsWith(at + "/"));
    if (!refused) {
      unknown.push(readable(segments));
      skip.push(segments);
    }
  }
  return unknown;
}

async function check(files) {
  const problems = [];
  let objects = 0;
  for (const file of files) {
    const docs = parseAllDocuments(readFileSync(file, "utf8"), { uniqueKeys: true });
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        problems.push(`${file}: YAML: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}`);
        continue;
      }
      const object = doc.toJS();
      if (object == null) continue;
      objects++;
      const name = `${file}: ${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
      if (typeof object !== "object" || Array.isArray(object) || !object.apiVersion || !object.kind) {
        problems.push(`${name}: not a Kubernetes object (apiVersion and kind required)`);
        continue;
      }
      const Model = await modelClass(object.apiVersion, object.kind);
      if (Model == null) {
        problems.push(`${name}: unknown kind ${object.kind} in ${object.apiVersion}`);
        continue;
      }
      const errors = errorsOf(Model, object);
      if (errors.length > 0) {
        for (const e of errors) {
          const where = e.instancePath === "" ? "(object)" : e.instancePath;
          problems.push(`${name}: ${where}: ${e.message ?? e.keyword}${e.params ? " " + JSON.stringify(e.params) : ""}`);
        }
        continue; // unknown fields are looked for in objects that otherwise validate
      }
      for (const field of unknownFields(Model, object)) {
        problems.push(`${name}: unknown field ${field}`);
      }
    }
  }
  return { problems, objects };
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node check.mjs FILE.yaml...");
  process.exit(2);
}
const { problems, objects } = await check(files);
for (const p of problems) console.log(p);
if (problems.length > 0) {
  console.log(`${problems.length} problem(s) in ${objects} object(s)`);
  process.exit(1);
}
console.log(`ok: ${objects} objects`);
