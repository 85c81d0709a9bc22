package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxConfigSize bounds what the loader reads: a configuration is a few hundred bytes, so
// anything this large is the wrong file.
const maxConfigSize = 1 << 20

// LoadError is a configuration file that cannot be used. It names the file, the line when
// known, what is wrong and how to fix it.
type LoadError struct {
	Path string
	Line int
	Msg  string
	Fix  string
	// Err is the underlying error when the file could not be read (fs.ErrNotExist…), so
	// a caller can name the flag the path came from.
	Err error
}

func (e *LoadError) Unwrap() error { return e.Err }

func (e *LoadError) Error() string {
	loc := e.Path
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	s := loc + ": " + e.Msg
	if e.Fix != "" {
		s += "\n  fix: " + e.Fix
	}
	return s
}

// Load reads a configuration file: cis2-golive YAML or JSON, or a CIS2 Connection Manager
// config export (then Config.FromConnectionManager is set). Notes are load-time warnings (such
// as ignored Connection Manager keys).
func Load(path string) (*Config, []Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &LoadError{Path: path, Msg: "cannot read the file: " + unwrapPathError(err), Fix: OpenFix(path, err), Err: err}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, nil, &LoadError{Path: path, Msg: "this is a directory, not a file",
			Fix: "pass the configuration file itself, such as " + filepath.Join(path, "cis2-golive.yaml")}
	}
	data, err := readBounded(f, maxConfigSize)
	if err != nil {
		return nil, nil, &LoadError{Path: path, Msg: "cannot read the file: " + unwrapPathError(err), Fix: "pass the configuration file, not another file"}
	}
	return Parse(path, data)
}

// OpenFix is what to do about a file that cannot be opened: the fix for a missing file is not
// the fix for one the user may not read.
func OpenFix(path string, err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return fmt.Sprintf("make the file readable by you (`ls -l %s` shows its owner and mode)", path)
	}
	return "check the file's path"
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Parse decodes a configuration document; name is used in errors only.
func Parse(name string, data []byte) (*Config, []Finding, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, nil, &LoadError{Path: name, Msg: "the file is empty", Fix: "start from examples/production.yaml"}
	}
	if binary(data) {
		return nil, nil, &LoadError{Path: name, Msg: "this is not a text file: it holds binary data",
			Fix: "pass the configuration file (YAML or JSON); start from examples/production.yaml"}
	}
	if trimmed[0] == '{' {
		return parseJSON(name, data)
	}
	return parseYAML(name, data)
}

func parseYAML(name string, data []byte) (*Config, []Finding, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, yamlSyntaxError(name, data, err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		line := 1
		if len(doc.Content) > 0 {
			line = doc.Content[0].Line
		}
		return nil, nil, &LoadError{Path: name, Line: line, Msg: "expected a mapping of keys such as redirect_uris and backchannel_logout_uri", Fix: "start from examples/production.yaml"}
	}
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		key := root.Content[i]
		if err := checkKey(name, key.Value, key.Line); err != nil {
			return nil, nil, err
		}
	}
	var c Config
	if err := root.Decode(&c); err != nil {
		return nil, nil, yamlError(name, data, err)
	}
	lines := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		lines[key] = val.Line
		for j, item := range val.Content {
			lines[fmt.Sprintf("%s[%d]", key, j)] = item.Line
		}
	}
	if err := vetValues(name, &c, func(field string) int { return lines[field] }); err != nil {
		return nil, nil, err
	}
	return &c, nil, nil
}

// vetValues refuses a configuration holding a secret or a control character in any value,
// naming the field and line but never echoing the value: everything downstream (reports,
// drafts, the submission) can then trust the strings it prints.
func vetValues(name string, c *Config, lineOf func(field string) int) error {
	if err := FindSecret(c); err != nil {
		field, _, _ := strings.Cut(err.Error(), " ")
		return &LoadError{Path: name, Line: lineOf(field), Msg: err.Error(),
			Fix: "give a private key only to `check --key FILE`; a client secret stays in your secret store"}
	}
	if field, ok := findUnsafeText(c); !ok {
		return &LoadError{Path: name, Line: lineOf(field),
			Msg: field + " holds a control character or a bidirectional-text override",
			Fix: "retype the value: no URI or name contains such characters"}
	}
	return nil
}

var (
	yamlLine       = regexp.MustCompile(`line (\d+)`)
	yamlLinePrefix = regexp.MustCompile(`^line \d+: `)
)

// binary reports data no text editor wrote: a NUL byte, or bytes that are not UTF-8.
func binary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data)
}

// yamlSyntaxError is yamlError for a document that does not parse, on the line where it goes
// wrong. yaml.v3 reports a parser error one line early, or at the start of the block around it
// (an unclosed "[" on line 2 is reported at line 1), so the line is found again: the first
// line after which the document fails with the same message.
func yamlSyntaxError(name string, data []byte, err error) error {
	le := yamlError(name, data, err).(*LoadError)
	if bytes.Count(data, []byte("\n")) > 5000 { // re-parsing each prefix costs n²
		return le
	}
	want := yamlLinePrefix.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), "")
	var n yaml.Node
	end := 0
	for line := 1; end < len(data); line++ {
		next := bytes.IndexByte(data[end:], '\n')
		if next < 0 {
			end = len(data)
		} else {
			end += next + 1
		}
		perr := yaml.Unmarshal(data[:end], &n)
		if perr != nil && yamlLinePrefix.ReplaceAllString(strings.TrimPrefix(perr.Error(), "yaml: "), "") == want {
			le.Line = line
			break
		}
	}
	le.Fix = yamlFix(data, le.Line, le.Msg)
	return le
}

// yamlError turns a yaml.v3 error into a LoadError with the line and a fix that fits the
// usual causes: tabs, duplicate keys, unclosed brackets, a list where a value belongs.
func yamlError(name string, data []byte, err error) error {
	msg := err.Error()
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(msg)
	// Drop only the leading "line N: "; a later "line N" is part of the message.
	if m := yamlLinePrefix.FindString(msg); m != "" {
		msg = msg[len(m):]
	}
	return &LoadError{Path: name, Line: line, Msg: "invalid YAML: " + msg, Fix: yamlFix(data, line, msg)}
}

// yamlFix is the fix for the usual causes of a YAML error on line: tabs, duplicate keys,
// unclosed brackets, a list where a value belongs.
func yamlFix(data []byte, line int, msg string) string {
	fix := "check indentation and quoting on that line; quote values that contain ': ' or ' #'"
	switch {
	case strings.Contains(msg, "tab") || tabIndented(data, line):
		fix = "YAML indents with spaces only: replace the tabs with spaces"
	case strings.Contains(msg, "already defined"):
		fix = "keep one of the two: which one would be used is not obvious"
	case strings.Contains(msg, "did not find expected ',' or ']'"):
		fix = "close the [ list with ] on the same line, or write one '- value' per line"
	case strings.Contains(msg, "cannot unmarshal"):
		fix = "redirect_uris is a list (one '- https://…' per line); every other key takes a single value"
	}
	return fix
}

// tabIndented reports whether line (1-based) is indented with a tab.
func tabIndented(data []byte, line int) bool {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return false
	}
	l := lines[line-1]
	indent := l[:len(l)-len(bytes.TrimLeft(l, " \t"))]
	return bytes.IndexByte(indent, '\t') >= 0
}

// checkKey refuses secrets and unknown keys, naming the nearest known key.
func checkKey(name, key string, line int) error {
	if isSecretKey(key) {
		return &LoadError{Path: name, Line: line,
			Msg: fmt.Sprintf("key %q would hold a secret, and cis2-golive never stores secrets", key),
			Fix: "delete that line; give a private key only to `check --key FILE` (it is never copied)"}
	}
	if slices.Contains(Fields, key) {
		return nil
	}
	e := &LoadError{Path: name, Line: line, Msg: fmt.Sprintf("unknown key %q", key)}
	if near := Nearest(key, Fields); near != "" {
		e.Fix = fmt.Sprintf("did you mean %q?", near)
	} else {
		e.Fix = "known keys: " + strings.Join(Fields, ", ")
	}
	return e
}

// cmKeys are the client keys of a CIS2 Connection Manager config.
var cmKeys = []string{
	"redirect_uris", "backchannel_logout_uri", "token_endpoint_auth_method", "jwks_uri",
	"jwks_uri_signing_algorithm", "client_name", "description", "client_id",
}

// cmMarkers are keys only a Connection Manager export has.
var cmMarkers = []string{"client_config", "jwks_uri_signing_algorithm", "client_name", "hash", "config_name"}

func parseJSON(name string, data []byte) (*Config, []Finding, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, jsonError(name, data, err)
	}
	if key, dup := duplicateJSONKey(data); dup {
		return nil, nil, &LoadError{Path: name, Line: jsonKeyLine(data, key),
			Msg: fmt.Sprintf("key %q appears twice", key), Fix: "keep one of them: which one would be used is not obvious"}
	}
	for _, k := range cmMarkers {
		if _, ok := top[k]; ok {
			return parseConnectionManager(name, data, top)
		}
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkKey(name, k, jsonKeyLine(data, k)); err != nil {
			return nil, nil, err
		}
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, nil, jsonError(name, data, err)
	}
	if err := vetValues(name, &c, jsonFieldLine(data)); err != nil {
		return nil, nil, err
	}
	return &c, nil, nil
}

// jsonFieldLine finds the line of a field's key ("redirect_uris" for "redirect_uris[1]").
func jsonFieldLine(data []byte) func(string) int {
	return func(field string) int {
		key, _, _ := strings.Cut(field, "[")
		return jsonKeyLine(data, key)
	}
}

// duplicateJSONKey finds a key that appears twice in one JSON object. encoding/json keeps the
// last silently, so `"environment": "production", "environment": "integration"` would be
// checked under the laxer rules; YAML refuses duplicates, and so does this.
func duplicateJSONKey(data []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{object: true, keys: map[string]bool{}, key: true})
				continue
			case '[':
				stack = append(stack, &frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.object && top.key {
				if top.keys[t] {
					return t, true
				}
				top.keys[t] = true
				top.key = false
				continue
			}
		}
		// A value ended: in an object the next string is a key again.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// parseConnectionManager reads a Connection Manager export: either the client object or the
// API's wrapper {"client_config": {...}, "hash": ...}. It is an INT configuration, so the
// environment is integration. Keys it does not know are ignored with a note, since NHS may add
// fields to its API.
func parseConnectionManager(name string, data []byte, top map[string]json.RawMessage) (*Config, []Finding, error) {
	client := top
	if raw, ok := top["client_config"]; ok {
		client = nil
		if err := json.Unmarshal(raw, &client); err != nil {
			return nil, nil, jsonError(name, data, err)
		}
	}
	var cm struct {
		RedirectURIs            []string   `json:"redirect_uris"`
		BackchannelLogoutURI    string     `json:"backchannel_logout_uri"`
		TokenEndpointAuthMethod AuthMethod `json:"token_endpoint_auth_method"`
		JWKSURI                 string     `json:"jwks_uri"`
		SigningAlg              string     `json:"jwks_uri_signing_algorithm"`
		ClientName              string     `json:"client_name"`
		Description             string     `json:"description"`
		ClientID                string     `json:"client_id"`
	}
	var notes []Finding
	keys := make([]string, 0, len(client))
	for k := range client {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if isSecretKey(k) {
			return nil, nil, checkKey(name, k, jsonKeyLine(data, k))
		}
		if !slices.Contains(cmKeys, k) {
			notes = append(notes, Finding{Rule: "import.ignored-key", Field: k, Severity: Warn,
				Message: "Connection Manager key not used by cis2-golive; ignored",
				Fix:     "nothing to do unless NHS asks for this field in production"})
		}
	}
	b, _ := json.Marshal(client)
	if err := json.Unmarshal(b, &cm); err != nil {
		return nil, nil, jsonError(name, data, err)
	}
	c := &Config{
		Environment:                 Integration,
		Product:                     cm.ClientName,
		Description:                 cm.Description,
		ClientID:                    cm.ClientID,
		RedirectURIs:                cm.RedirectURIs,
		BackchannelLogoutURI:        cm.BackchannelLogoutURI,
		TokenEndpointAuthMethod:     cm.TokenEndpointAuthMethod,
		JWKSURI:                     cm.JWKSURI,
		TokenEndpointAuthSigningAlg: cm.SigningAlg,
		FromConnectionManager:       true,
	}
	// Connection Manager's default security pattern is client_secret_basic.
	if c.TokenEndpointAuthMethod == "" {
		c.TokenEndpointAuthMethod = ClientSecretBasic
	}
	if err := vetValues(name, c, jsonFieldLine(data)); err != nil {
		return nil, nil, err
	}
	return c, notes, nil
}

func jsonError(name string, data []byte, err error) error {
	e := &LoadError{Path: name, Msg: "invalid JSON: " + err.Error(), Fix: "check commas, quotes and brackets on that line"}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		e.Line = lineAt(data, se.Offset)
	case errors.As(err, &te):
		e.Line = lineAt(data, te.Offset)
		e.Msg = fmt.Sprintf("invalid JSON: %s must be a %s, not a %s", te.Field, te.Type, te.Value)
		e.Fix = "redirect_uris is a list of strings; every other key takes a string"
	}
	return e
}

func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func jsonKeyLine(data []byte, key string) int {
	i := bytes.Index(data, []byte(strconv.Quote(key)))
	if i < 0 {
		return 0
	}
	return lineAt(data, int64(i))
}

// Nearest returns the candidate closest to s by edit distance, or "" when none is close.
func Nearest(s string, candidates []string) string {
	// A key that is a prefix of a known one ("redirect" for "redirect_uris") is a truncation,
	// whatever the edit distance says.
	if len(s) >= 4 {
		for _, c := range candidates {
			if strings.HasPrefix(c, strings.ToLower(s)) {
				return c
			}
		}
	}
	best, bestD := "", len(s)/2+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// EditDistance is the Levenshtein distance between a and b, in bytes.
func EditDistance(a, b string) int { return editDistance(a, b) }

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Marshal encodes the configuration as YAML, or JSON when path ends in .json.
func Marshal(path string, c *Config) ([]byte, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return nil, err
		}
		return append(b, '\n'), nil
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), enc.Close()
}

// Save writes the configuration atomically, as YAML or (for .json) JSON.
func Save(path string, c *Config) error {
	if err := FindSecret(c); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	data, err := Marshal(path, c)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return WriteFileAtomic(path, data, 0o644)
}
