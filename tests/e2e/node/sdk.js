// Drives certhub with the official Tencent Cloud Node.js SDK and prints one JSON
// line of what came back, for tests/e2e/test_node_sdk.py to judge.
//
// Input (JSON on stdin): endpoint, secretId, secretKey, signMethod, reqMethod, and
// optionally upload: {CertificatePublicKey, CertificatePrivateKey, Alias}.
"use strict";

const tencentcloud = require("tencentcloud-sdk-nodejs");

async function outcome(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: { name: e.constructor.name, code: e.code || null, requestId: e.requestId || null, message: e.message } };
  }
}

async function main() {
  const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const SslClient = tencentcloud.ssl.v20191205.Client;
  const client = new SslClient({
    credential: { secretId: input.secretId, secretKey: input.secretKey },
    region: "ap-guangzhou",
    profile: {
      signMethod: input.signMethod,
      httpProfile: { endpoint: input.endpoint, protocol: "http://", reqMethod: input.reqMethod, reqTimeout: 30 },
    },
  });
  const out = {};
  out.list = await outcome(() => client.DescribeCertificates({ Limit: 5 }));
  if (input.upload) {
    out.upload = await outcome(() => client.UploadCertificate(input.upload));
    if (out.upload.ok) {
      out.describe = await outcome(() => client.DescribeCertificate({ CertificateId: out.upload.ok.CertificateId }));
    }
  }
  out.missing = await outcome(() => client.DescribeCertificate({ CertificateId: "nope0000" }));
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
