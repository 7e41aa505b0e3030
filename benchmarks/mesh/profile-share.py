#!/usr/bin/env python3
"""CPU shares of TLS and of bearer tokens in collapsed stacks (async-profiler's `collapsed`
output: one line per distinct stack, frames root first separated by ';', then the sample count).

    benchmarks/mesh/profile-share.py FILE.collapsed ...

A sample belongs to the innermost frame of the stack that is "owned" code: the project's, gRPC's
and Netty's (as shaded in grpc-netty-shaded) and the JDK's TLS. Walking from the leaf towards the
root, the first owned frame decides:

- tokens: io.meshwork.identity's TokenVerifier, BearerTokens, BearerCredentials, ReplayCache,
  TokenJson (so Ed25519, JSON and hashing under them count as tokens);
- tls: Netty's SslHandler and OpenSSL (BoringSSL) engine, tcnative's SSL, sun.security.ssl,
  javax.net.ssl (so the BoringSSL native code under them counts as TLS);
- authorization: the rest of who-may-call-what (io.meshwork.runtime.auth, PeerIdentity);
- other: any other project, gRPC or Netty frame.

Frames that are not owned (the JDK's java.*, sun.security.ec, com.sun.crypto.provider, Bouncy
Castle, Netty's buffers and utilities, the rest of io.meshwork.identity such as Identity.sign and
ValidatedKeys, native and kernel frames) take the category of the code
that called them. So the work that SslHandler hands on (the decrypted bytes going up the pipeline
to HTTP/2 and gRPC, the encrypted ones down to the socket) and what a token's MetadataApplier or
an interceptor's next handler does is not counted as TLS, tokens or authorization: it is work
that a plaintext mesh does too. A stack with no owned frame falls back to the broad patterns
(JCE and sun.security.ec count as TLS there), then to JIT compiler and GC threads.

The shares are of all samples in the file: the whole process (every service of the development
mesh, the bench's clients, JIT and GC). Ed25519 (anywhere) is given for scale and takes no
samples from the categories; so is the share of samples with a token or a TLS frame anywhere in
the stack, an upper bound that includes the work they hand on.
"""
import os
import re
import sys
from collections import Counter

J = r"[./]"  # collapsed stacks name classes with '/' (or '.' with the profiler's `dot` option)
SHADED = rf"io{J}grpc{J}netty{J}shaded{J}io{J}netty{J}"

OWNED = [
    ("tokens", re.compile(
        rf"^io{J}meshwork{J}identity{J}(TokenVerifier|BearerTokens|BearerCredentials|ReplayCache|TokenJson)\b")),
    ("tls", re.compile(
        rf"^({SHADED}handler{J}ssl{J}|{SHADED}internal{J}tcnative{J}|sun{J}security{J}ssl{J}|javax{J}net{J}ssl{J})")),
    ("authorization", re.compile(
        rf"^io{J}meshwork{J}runtime{J}(auth{J}|tls{J}PeerIdentity\b)")),
]
# Library code that works for whoever called it; identity's signing and verifying helpers too
# (Identity.sign, ValidatedKeys): they are tokens' work under a token frame, receipts' under a
# receipt's.
NEUTRAL = re.compile(rf"^({SHADED}(buffer|util){J}|io{J}meshwork{J}identity{J})")
OTHER_OWNED = re.compile(rf"^(io{J}meshwork{J}|io{J}grpc{J}|com{J}google{J}protobuf{J})")
FALLBACK = [
    ("tls", re.compile(rf"^(com{J}sun{J}crypto{J}provider{J}|sun{J}security{J}ec{J})|netty_tcnative")),
    ("JIT compiler", re.compile(r"CompileBroker|C2Compiler|Compile::|Compilation::")),
    ("GC", re.compile(r"G1|GCTaskThread|WorkerThread::run|ConcurrentGCThread|SafepointSynchronize")),
]
CATEGORIES = ["tokens", "tls", "authorization", "JIT compiler", "GC", "other"]
ED25519 = re.compile(
    rf"org{J}bouncycastle{J}math{J}ec{J}rfc8032{J}|sun{J}security{J}ec{J}ed{J}"
    rf"|org{J}bouncycastle{J}crypto{J}signers{J}Ed25519")


def read(path):
    stacks = Counter()
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if stack:
                stacks[stack] += int(count)
    return stacks


def classify(frames):
    """The category of one stack (root first) and the frame that decided it."""
    for frame in reversed(frames):
        for name, pattern in OWNED:
            if pattern.search(frame):
                return name, frame
        if NEUTRAL.search(frame):
            continue
        if OTHER_OWNED.search(frame):
            return "other", frame
    for name, pattern in FALLBACK:
        for frame in reversed(frames):
            if pattern.search(frame):
                return name, frame
    return "other", ""


def shares(stacks):
    per, where, ed = Counter(), {c: Counter() for c in CATEGORIES}, 0
    inclusive = Counter()
    for stack, n in stacks.items():
        frames = stack.split(";")
        name, frame = classify(frames)
        per[name] += n
        where[name][frame.split(" ")[0]] += n
        if any(ED25519.search(f) for f in frames):
            ed += n
        for owned, pattern in OWNED[:2]:
            if any(pattern.search(f) for f in frames):
                inclusive[owned] += n
    return per, ed, where, inclusive


def main(paths):
    top = int(os.environ.get("TOP", "5"))
    for path in paths:
        stacks = read(path)
        total = max(sum(stacks.values()), 1)
        per, ed, where, inclusive = shares(stacks)
        print(f"{path}: {sum(stacks.values()):,} samples")
        work = max(total - per["JIT compiler"] - per["GC"], 1)
        print(f"  {'category':16s} {'samples':>9s}  {'of all':>7s}  {'of all but JIT and GC':>7s}")
        for name in CATEGORIES:
            but = "" if name in ("JIT compiler", "GC") else f"  {100.0 * per[name] / work:5.1f} %"
            print(f"  {name:16s} {per[name]:>9,}  {100.0 * per[name] / total:5.1f} %{but}")
        print(f"  {'(Ed25519)':16s} {ed:>9,}  {100.0 * ed / total:5.1f} %  anywhere, for scale")
        for name in ("tokens", "tls"):
            print(f"  ({name} frame anywhere in the stack, what they hand on included:"
                  f" {100.0 * inclusive[name] / total:.1f} %)")
        for name in ("tokens", "tls") if top else ():
            for frame, n in where[name].most_common(top):
                print(f"      {name}: {100.0 * n / total:4.1f} %  innermost {frame}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
