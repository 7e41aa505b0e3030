#!/usr/bin/env node
// A Meshwork client in Node.js that knows the mesh only through:
//   * gRPC server reflection (the service and message shapes are downloaded from
//     the orchestrator at run time; no .proto file from the Meshwork repo is read),
//   * AUTH.md (bearer tokens: an Ed25519 did:key identity, a compact EdDSA JWS per call),
//   * WASM-ABI.md (the job module's exports), which digitsum.wat implements.
//
// It submits its own job module (digitsum.wasm: the sum of all decimal digits in
// the input), split into line chunks, waits for the merged result and checks it
// against the same sum computed here in plain JavaScript.
//
// Usage: node digitsum-client.mjs [--cacert FILE] [--plaintext] [host:port]
//   target: the argument, else $MESHWORK_TARGET, else localhost:50051 (the orchestrator).
//   TLS (AUTH.md, "Transport"): the server must prove a certificate from the CA in
//   --cacert FILE, else $MESHWORK_CACERT, else a development mesh's
//   $MESHWORK_HOME/dev/tls/ca.pem (~/.meshwork when unset) if it exists, else a public CA.
//   --plaintext: no TLS, for a mesh started with --plaintext only (insecure).
// Exit status: 0 when the mesh's result equals the local one, 1 otherwise.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import grpc from '@grpc/grpc-js';
import { GrpcReflection } from 'grpc-js-reflection-client';

const ARGS = parseArgs(process.argv.slice(2));
const TARGET = ARGS.target || process.env.MESHWORK_TARGET || 'localhost:50051';
const SERVICE = 'meshwork.compute.v1.ComputeService';
// Generous, because the first job on a fresh mesh also pays for warming up the JVMs.
const RESULT_DEADLINE_MS = Number(process.env.MESHWORK_RESULT_TIMEOUT_MS || 120_000);

function parseArgs(argv) {
  const out = { target: undefined, cacert: undefined, plaintext: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cacert') out.cacert = argv[++i];
    else if (argv[i] === '--plaintext') out.plaintext = true;
    else if (argv[i].startsWith('-')) throw new Error(`unknown option ${argv[i]}`);
    else out.target = argv[i];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Transport (AUTH.md, "Transport"): TLS that trusts the mesh's CA.
// ---------------------------------------------------------------------------

// The CA file the server's certificate must chain to, as the Java SDK finds it.
function caFile() {
  if (ARGS.cacert) return ARGS.cacert;
  if (process.env.MESHWORK_CACERT) return process.env.MESHWORK_CACERT;
  const home = process.env.MESHWORK_HOME || join(homedir(), '.meshwork');
  const dev = join(home, 'dev', 'tls', 'ca.pem');
  return existsSync(dev) ? dev : undefined;
}

// The channel credentials of every connection: TLS checking the server's certificate
// and its name (localhost or 127.0.0.1 for a development mesh). A user presents no
// client certificate; its bearer token says who it is.
function channelCredentials() {
  if (ARGS.plaintext) {
    console.error('--plaintext: INSECURE, the token and the job cross the network in the clear');
    return grpc.credentials.createInsecure();
  }
  const ca = caFile();
  return grpc.credentials.createSsl(ca ? readFileSync(ca) : null);
}

const CREDENTIALS = channelCredentials();

// ---------------------------------------------------------------------------
// Identity and tokens (AUTH.md), with nothing but node:crypto.
// ---------------------------------------------------------------------------

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// Bitcoin-alphabet base58: the bytes read as one big-endian number, written in
// base 58, with one '1' for every leading zero byte (which the number would lose).
function base58btc(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

// A fresh key pair each run: in dev mode the mesh grants a never-seen DID a
// starting mana balance, so a throwaway identity is enough for the demo. A real
// client would keep its key, since the DID is the account.
function newIdentity() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The JWK form is the simplest way to get the raw 32-byte key out of node
  // (the DER/SPKI form wraps it in an ASN.1 header).
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
  if (raw.length !== 32) throw new Error(`unexpected Ed25519 public key length ${raw.length}`);
  // 0xed 0x01 is the multicodec prefix for an Ed25519 public key; 'z' marks base58btc.
  const did = 'did:key:z' + base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  return { did, privateKey };
}

// The audience of a token is the full name of the gRPC service called: the
// method path '/meshwork.compute.v1.ComputeService/SubmitJob' is addressed to
// 'meshwork.compute.v1.ComputeService'. A token for one service is refused by
// every other, so one that leaks from a call cannot be spent elsewhere.
function audienceOf(methodPath) {
  const service = methodPath.slice(1, methodPath.lastIndexOf('/'));
  if (!service) throw new Error(`cannot tell the service of the method ${methodPath}`);
  return service;
}

// One compact JWS per call: the server remembers each jti for the token's
// lifetime and refuses a replay, so tokens must never be reused.
function bearerToken({ did, privateKey }, audience) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'EdDSA', typ: 'JWT', kid: did };
  const claims = {
    iss: did,
    sub: did,
    aud: audience,
    iat: now,
    exp: now + 120, // well inside the 300 s the server allows
    jti: randomUUID(),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // For Ed25519 node's sign() takes no digest name (null): EdDSA hashes internally.
  const signature = sign(null, Buffer.from(signingInput), privateKey);
  return `${signingInput}.${base64url(signature)}`;
}

// A client interceptor rather than metadata passed by hand, so that every call
// made through the stub -- including any added later -- gets its own token,
// addressed to the service of that call.
// (grpc-js allows CallCredentials on TLS channels only; an interceptor works with
// --plaintext too.)
function authInterceptor(identity) {
  return (options, nextCall) => {
    const audience = audienceOf(options.method_definition.path);
    return new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${bearerToken(identity, audience)}`);
        next(metadata, listener);
      },
    });
  };
}

// ---------------------------------------------------------------------------
// Stubs from server reflection.
// ---------------------------------------------------------------------------

async function computeServiceConstructor(target) {
  // grpc.reflection.v1 is the current name; the mesh also serves v1alpha for
  // older tools, but nothing here needs it. Reflection is open (no token).
  const reflection = new GrpcReflection(target, CREDENTIALS, {}, 'v1');
  try {
    const services = await reflection.listServices();
    if (!services.includes(SERVICE)) {
      throw new Error(`${target} does not offer ${SERVICE} (it lists: ${services.join(', ')})`);
    }
    // Fetches the file that defines the service plus, recursively, every file
    // it imports, and turns them into a grpc-js package object.
    const descriptor = await reflection.getDescriptorBySymbol(SERVICE);
    const pkg = descriptor.getPackageObject({
      keepCase: true, // field names exactly as on the wire descriptor: job_id, not jobId
      longs: String, // uint64 fields (mana) arrive as strings, no precision loss
      enums: String,
      defaults: true, // unset fields read as their proto3 defaults, not undefined
      oneofs: true,
    });
    const ctor = SERVICE.split('.').reduce((obj, part) => obj?.[part], pkg);
    if (typeof ctor !== 'function') throw new Error(`reflection gave no service constructor for ${SERVICE}`);
    return ctor;
  } finally {
    // The library keeps its channel private; close it so it cannot keep the process alive.
    reflection.client?.close?.();
  }
}

// Promise wrapper for a unary call with a deadline.
function unary(client, method, request, timeoutMs) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + timeoutMs }, (err, response) =>
      err ? reject(err) : resolve(response),
    );
  });
}

// ---------------------------------------------------------------------------
// Result CID check.
// ---------------------------------------------------------------------------

// The orchestrator names the result by a CID. A "bafkrei..." CID is the standard
// multiformats CIDv1 with the raw codec (0x55) and a sha2-256 multihash (0x12,
// 32 bytes), written in lower-case RFC 4648 base32 without padding behind the
// multibase prefix 'b'. Recomputing it here means the bytes we compare are the
// bytes the mesh committed to, not something altered on the way.
function rawSha256Cid(bytes) {
  const digest = createHash('sha256').update(bytes).digest();
  const cid = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = 'b';
  let acc = 0;
  let bits = 0;
  for (const byte of cid) {
    acc = ((acc << 8) | byte) & 0xffff; // only the low bits not yet written matter
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  return out;
}

// ---------------------------------------------------------------------------
// The job.
// ---------------------------------------------------------------------------

// Reference implementation of the module's computation, in plain JavaScript.
function digitSum(buf) {
  let sum = 0n;
  for (const b of buf) if (b >= 0x30 && b <= 0x39) sum += BigInt(b - 0x30);
  return sum;
}

const INPUT = Buffer.from(
  [
    'order 1001: 3 widgets at 19.99',
    'order 1002: 12 gadgets at 4.50',
    'no digits on this line',
    'order 1003: 7 sprockets at 0.85',
    '2024-06-30 totals pending',
    'phone +1 555 0100, ext 42',
    '99999 99999 and a 7',
    'last line without a newline: 8',
  ].join('\n'),
);

async function main() {
  const wasm = readFileSync(new URL('./digitsum.wasm', import.meta.url));
  const identity = newIdentity();
  console.log(`target:   ${TARGET} (${ARGS.plaintext ? 'PLAINTEXT, insecure' : `TLS, CA ${caFile() || 'public roots'}`})`);
  console.log(`identity: ${identity.did}`);

  const ComputeService = await computeServiceConstructor(TARGET);
  console.log(`stubs:    ${SERVICE} built from server reflection`);
  const client = new ComputeService(TARGET, CREDENTIALS, {
    interceptors: [authInterceptor(identity)],
  });

  try {
    const jobId = `node-digitsum-${randomUUID()}`;
    const submitted = await unary(
      client,
      'SubmitJob',
      {
        manifest: {
          job_id: jobId,
          wasm_module: wasm,
          input_data: INPUT,
          // Whole lines packed up to 64 bytes: several chunks from this input,
          // so the result really goes through merge over more than one frame.
          split_strategy: 'lines',
          max_chunk_size: '64',
          verification_mode: 'hash',
          mana_budget: '1000',
        },
      },
      30_000,
    );
    if (!submitted.success) throw new Error(`SubmitJob refused: ${submitted.error_msg || '(no message)'}`);
    const id = submitted.job_id || jobId;
    console.log(`job:      ${id} submitted (${INPUT.length} input bytes, ${wasm.length}-byte module)`);

    // GetJobResult blocks on the server for up to timeout_ms; ask again in
    // slices until the job finishes or our own overall deadline passes.
    const giveUpAt = Date.now() + RESULT_DEADLINE_MS;
    let res;
    for (;;) {
      const slice = Math.max(1000, Math.min(15_000, giveUpAt - Date.now()));
      res = await unary(client, 'GetJobResult', { job_id: id, timeout_ms: slice }, slice + 10_000);
      const state = (res.status?.status || '').toLowerCase();
      if (res.success || ['failed', 'cancelled', 'canceled', 'rejected'].includes(state)) break;
      if (Date.now() >= giveUpAt) break;
      console.log(`          still ${state || 'pending'} (${res.status?.completed_chunks ?? '?'}/${res.status?.total_chunks ?? '?'} chunks)`);
    }

    const st = res.status || {};
    console.log(
      `status:   ${st.status || '?'}, chunks ${st.completed_chunks}/${st.total_chunks}, ` +
        `mana budget ${st.mana_budget} spent ${st.mana_spent} refunded ${st.mana_refunded}`,
    );
    if (!res.success) {
      console.error(`FAIL: no result: ${res.error_msg || st.error_msg || '(no message)'}`);
      return 1;
    }
    console.log(`receipts: ${res.receipts?.length ?? 0}, result cid ${res.result_cid || '(none)'}`);

    const resultBytes = Buffer.from(res.result);
    if (res.result_cid) {
      if (!res.result_cid.startsWith('bafkrei')) {
        // Some other hash or codec: we do not know how to recompute it, so say so.
        console.log(`result cid: not checked (not a raw sha2-256 CIDv1)`);
      } else if (rawSha256Cid(resultBytes) !== res.result_cid) {
        console.error(`FAIL: result bytes do not match result_cid (computed ${rawSha256Cid(resultBytes)})`);
        return 1;
      } else {
        console.log('result cid: matches the result bytes');
      }
    }

    const meshText = resultBytes.toString('utf8');
    const expected = digitSum(INPUT).toString();
    console.log(`mesh result:     ${meshText}`);
    console.log(`local JS result: ${expected}`);
    if (meshText === expected) {
      console.log('MATCH');
      return 0;
    }
    console.error('MISMATCH');
    return 1;
  } finally {
    client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    // gRPC errors carry a status code name and the server's message (AUTH.md
    // says UNAUTHENTICATED messages name the failed check), so show both.
    const code = err.code !== undefined ? ` [${grpc.status[err.code] ?? err.code}]` : '';
    console.error(`FAIL${code}: ${err.details || err.message}`);
    process.exit(1);
  },
);
