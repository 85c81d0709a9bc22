// Package keys is the one place cis2-golive handles signing keys and JWKs: it loads PEM private
// keys, parses JWK Sets (with go-jose), computes RFC 7638 thumbprints, analyses a JWKS meant to
// be published (public-only, lint, which keys can verify an algorithm), and generates, encodes
// and writes new keys. The live checks, the sandbox, the wizard and `cis2-golive keys` all use
// it, so every part of the tool agrees on what a key is and what makes a JWKS safe.
//
// Untrusted input is bounded: a JWKS is at most MaxSetBytes and MaxKeys keys, each key at most
// 64 KiB of JSON and (go-jose's limit) 4096 RSA bits. Every string taken from a JWK (kid, alg, use, crv,
// key_ops) is sanitised (escape sequences and control characters removed, length capped)
// before it is stored in a Key, so it is safe to print. A private helper does this: report.Clean
// exists but package report imports checks, which imports keys, so keys cannot use it.
//
// Private key material is never part of an error, a Key or any output: private JWK members are
// recorded by name only and stripped before the public half is parsed.
//
// API notes, against the original brief: Key.CheckAlg returns why a key cannot verify an
// algorithm (Supports is its boolean form), and SplitByAlg returns the reasons; Key.JSON holds
// the key's bytes exactly as read, so MarshalSet can keep old keys byte-for-byte on rotation.
package keys
