// Package keys is the one place cis2-golive handles signing keys and JWKs: it loads PEM private
// keys, parses JWK Sets (with go-jose), computes RFC 7638 thumbprints, judges a key or JWKS by
// CIS2's rules (Inspect: PublicOnly, Lint, Usable, SplitByAlg), and generates, encodes and writes
// new keys (WriteNew, Rotate: plain functions, so the wizard can call them as `keys new` does).
// The live checks, the sandbox, the wizard and `cis2-golive keys` all use it, so every part of
// the tool agrees on what a key is and what makes a JWKS safe.
//
// Untrusted input is bounded: a JWKS is at most MaxSetBytes and MaxKeys keys, each key at most
// 64 KiB of JSON and MaxRSABits. go-jose refuses RSA moduli over 4096 bits; RFC 7518 sets no
// maximum, so such keys are built from their n and e members here (and warn: verifiers with
// go-jose's cap ignore them). Every string taken from a JWK (kid, alg,
// use, crv, key_ops) is sanitised (escape sequences, control and bidi characters removed,
// length capped) before it is stored in a Key, so it is safe to print. A private helper does
// this: report.Clean exists, but report imports checks, which imports keys.
//
// Private key material never reaches an error or a printable field: private JWK members are
// recorded by name only and stripped before the public half is parsed. Key.JSON keeps the
// key's bytes exactly as read (private members included, if any) for rewriting a set; never
// print it.
//
// API notes: Key.CheckAlg says why a key cannot verify an
// algorithm (Supports is its boolean form) and SplitByAlg returns those reasons; Key.JSON lets
// MarshalSet keep old keys byte-for-byte on rotation; ParseSet keeps a key whose material does
// not parse, with Key.Err set, so one bad key does not hide the others.
package keys
