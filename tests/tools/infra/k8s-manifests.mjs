// Reads the Kubernetes manifests for the .NET tests: every YAML document of every resource listed in a folder's
// kustomization.yaml, each checked against its Kubernetes schema, printed as one JSON object on stdout:
//
//   node k8s-manifests.mjs <folder>
//   → { "kustomization": {...}, "documents": [ { "file", "index", "object", "errors": [..] } ] }
//
// Built-in kinds are validated by the models of the npm package kubernetes-models (the Kubernetes OpenAPI schemas);
// the Secrets Store CSI driver's SecretProviderClass is a custom resource that package lacks, so it is checked with
// ajv against its CRD's schema (secrets-store.csi.x-k8s.io/v1, transcribed below). A kind with no schema is an
// error, never a silent pass. Exit code 0 even when documents have errors (the tests read them); 2 for bad usage.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node k8s-manifests.mjs <folder with kustomization.yaml>");
  process.exit(2);
}

// apiVersion → the kubernetes-models module folder ("v1" is the core group).
function modelModule(apiVersion, kind) {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

const stringMap = { type: "object", additionalProperties: { type: "string" } };
const objectMeta = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", maxLength: 253 },
    namespace: { type: "string", pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength: 63 },
    labels: stringMap,
    annotations: stringMap,
  },
};
// The CRD of the Secrets Store CSI driver (secrets-store.csi.x-k8s.io_secretproviderclasses.yaml, version v1):
// spec.provider, spec.parameters (string map), spec.secretObjects (secretName, type, labels, annotations, data).
const secretProviderClassSchema = {
  type: "object",
  required: ["apiVersion", "kind", "metadata", "spec"],
  additionalProperties: false,
  properties: {
    apiVersion: { const: "secrets-store.csi.x-k8s.io/v1" },
    kind: { const: "SecretProviderClass" },
    metadata: objectMeta,
    spec: {
      type: "object",
      required: ["provider"],
      additionalProperties: false,
      properties: {
        provider: { type: "string", minLength: 1 },
        parameters: stringMap,
        secretObjects: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            properties: {
              secretName: { type: "string", minLength: 1 },
              type: { type: "string" },
              labels: stringMap,
              annotations: stringMap,
              data: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: false,
                  properties: { objectName: { type: "string", minLength: 1 }, key: { type: "string", minLength: 1 } },
                },
              },
            },
          },
        },
      },
    },
  },
};
const ajv = new Ajv({ allErrors: true, strict: true });
const crdValidators = {
  "secrets-store.csi.x-k8s.io/v1/SecretProviderClass": ajv.compile(secretProviderClassSchema),
};

function parseYaml(text, file) {
  const documents = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    const errors = document.errors.map((error) => `YAML: ${error.message}`);
    const object = errors.length === 0 ? document.toJS({ maxAliasCount: 0 }) : null;
    if (object === null && errors.length === 0) {
      continue; // an empty document (e.g. after a trailing ---)
    }
    documents.push({ file, index, object, errors });
  }
  return documents;
}

async function validate(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return ["not a mapping"];
  }
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["apiVersion and kind are required"];
  }
  const check = crdValidators[`${apiVersion}/${kind}`];
  if (check) {
    return check(object) ? [] : check.errors.map((e) => `${e.instancePath || "/"} ${e.message}`);
  }
  let model;
  try {
    model = (await import(modelModule(apiVersion, kind)))[kind];
  } catch {
    return [`no schema for ${apiVersion} ${kind}`];
  }
  if (!model) {
    return [`no schema for ${apiVersion} ${kind}`];
  }
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    const details = error.errors?.map((e) => `${e.instancePath || "/"} ${e.message}`) ?? [error.message];
    return details;
  }
}

const kustomizationText = await readFile(path.join(folder, "kustomization.yaml"), "utf8");
const kustomization = parseAllDocuments(kustomizationText)[0].toJS();
const documents = [];
for (const resource of kustomization.resources ?? []) {
  const text = await readFile(path.join(folder, resource), "utf8");
  for (const document of parseYaml(text, resource)) {
    if (document.errors.length === 0) {
      document.errors = await validate(document.object);
    }
    documents.push(document);
  }
}
process.stdout.write(JSON.stringify({ kustomization, documents }));
