package model

import "strings"

// FieldFindingsAgainstINT returns the findings of ValidateAgainstINT that are about one field
// (for redirect_uris, every redirect_uris[i] too), so a form can show them beside that field
// as the review and the checks will: with the INT configuration (nil for none), a URI of the
// field on a host INT uses fails.
func FieldFindingsAgainstINT(c, in *Config, field string) []Finding {
	var out []Finding
	for _, f := range ValidateAgainstINT(c, in) {
		if f.Field == field || strings.HasPrefix(f.Field, field+"[") {
			out = append(out, f)
		}
	}
	return out
}

// FirstFail returns the first Fail finding as an error, or nil: the shape a form field's
// validate function wants. Warnings never block an answer.
func FirstFail(fs []Finding) error {
	for _, f := range fs {
		if f.Severity == Fail {
			return f
		}
	}
	return nil
}
