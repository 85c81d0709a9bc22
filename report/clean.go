package report

import "github.com/cis2-golive/cis2-golive/sanitize"

// maxValueLen caps any single value a report prints: a URI or a finding is far shorter, and a
// results file from elsewhere must not flood the terminal or a Markdown table.
const maxValueLen = 500

// Clean makes a value safe to print (see package sanitize), with the report's longer cap.
func Clean(s string) string { return sanitize.CleanN(s, maxValueLen) }
