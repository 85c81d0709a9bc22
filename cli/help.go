package cli

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cis2-golive/cis2-golive/report"
)

// Help is drawn here rather than by fang: fang v2 lays help out at the terminal's width, or
// 120 columns when piped, pads every line to that width, leaves long flag descriptions for
// the terminal to break mid-word, and shows no value placeholder (`--timeout DURATION`); see
// charmbracelet/fang#75. fang still runs the commands (errors, --version, signals, man page).

// helpWidth is the widest help line: 80 columns, or the terminal's width when narrower.
const helpWidth = report.TextWidth

var helpStyles = struct{ heading, name lipgloss.Style }{
	heading: lipgloss.NewStyle().Bold(true),
	name:    lipgloss.NewStyle().Bold(true),
}

// installHelp makes every command of the tree print the help below. The root's own help
// function is replaced by fang.Execute, so Run answers `cis2-golive --help` itself (rootHelp).
func installHelp(root *cobra.Command, ios *IOStreams) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag() // fang sets the version itself before running
	show := func(cmd *cobra.Command, _ []string) { writeHelp(ios, cmd) }
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag() // cobra adds it only when a command runs
		c.SetHelpFunc(show)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// cobra's `help` command asks the target's help function; the root's is fang's by then.
	for _, c := range root.Commands() {
		if c.Name() == "help" {
			c.Run = func(_ *cobra.Command, args []string) {
				target, _, err := root.Find(args)
				if err != nil || target == nil {
					target = root
				}
				writeHelp(ios, target)
			}
		}
	}
}

// rootHelp reports whether args ask for the root command's help (`-h`, `--help`).
func rootHelp(root *cobra.Command, args []string) bool {
	cmd, rest, err := root.Find(args)
	if err != nil || cmd != root {
		return false
	}
	for _, a := range rest {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" {
			return true
		}
	}
	return false
}

// writeHelp prints cmd's help: what it does, usage, commands, flags and examples, wrapped to
// helpWidth with nothing padded, so it reads the same in a terminal and through a pipe.
func writeHelp(ios *IOStreams, cmd *cobra.Command) {
	w := ios.ColorOut()
	width := helpWidth
	if tw := ios.TerminalWidth(); tw > 20 && tw < width {
		width = tw
	}
	fmt.Fprint(w, renderHelp(cmd, width))
}

func renderHelp(cmd *cobra.Command, width int) string {
	var b strings.Builder
	section := func(title string) {
		b.WriteString("\n" + helpStyles.heading.Render(strings.ToUpper(title)) + "\n")
	}
	text := cmd.Long
	if text == "" {
		text = cmd.Short
	}
	b.WriteString(reflow(text, width))

	section("usage")
	usage := cmd.UseLine()
	if cmd.HasAvailableSubCommands() {
		usage = cmd.CommandPath() + " <command> [flags]"
		if !cmd.HasParent() { // the bare root runs the wizard
			usage = cmd.CommandPath() + "\n  " + usage
		}
	}
	b.WriteString(hang("  ", usage, width))

	if cmd.HasAvailableSubCommands() {
		writeCommands(&b, cmd, width, section)
	}
	if flags := flagRows(cmd.LocalFlags()); len(flags) > 0 {
		section("flags")
		writeRows(&b, flags, width)
	}
	if flags := flagRows(cmd.InheritedFlags()); len(flags) > 0 {
		section("global flags")
		writeRows(&b, flags, width)
	}
	if ex := strings.Trim(cmd.Example, "\n"); ex != "" {
		section("examples")
		for _, l := range strings.Split(ex, "\n") {
			b.WriteString(commandLines("  ", strings.TrimSpace(l), width))
		}
	}
	if cmd.HasAvailableSubCommands() {
		section("learn more")
		b.WriteString(hang("  ", fmt.Sprintf("Run `%s <command> --help` for more about a command.", cmd.CommandPath()), width))
	}
	return b.String()
}

// writeCommands lists the subcommands under their groups, in the order the groups were added.
func writeCommands(b *strings.Builder, cmd *cobra.Command, width int, section func(string)) {
	groups := []*cobra.Group{{ID: "", Title: "Commands"}}
	groups = append(groups, cmd.Groups()...)
	for _, g := range groups {
		var rows [][2]string
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() && sub.GroupID == g.ID {
				rows = append(rows, [2]string{helpStyles.name.Render(sub.Name()), sub.Short})
			}
		}
		if len(rows) > 0 {
			section(g.Title)
			writeRows(b, rows, width)
		}
	}
}

// flagRows is one row per visible flag: "-c, --config FILE" and its description, with the
// default when it says something.
func flagRows(fs *pflag.FlagSet) [][2]string {
	var rows [][2]string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		value, usage := placeholder(f)
		name := "    --" + f.Name
		if f.Shorthand != "" {
			name = "-" + f.Shorthand + ", --" + f.Name
		}
		if value != "" {
			name += " " + value
		}
		if d := flagDefault(f); d != "" {
			usage += " (default " + d + ")"
		}
		rows = append(rows, [2]string{helpStyles.name.Render(name), usage})
	})
	return rows
}

// placeholder is the value a flag takes: as its usage names it between back quotes ("write
// to `FILE`", the convention of Go's flag package), else as the flag's name usually means,
// else from its type. Booleans take none.
func placeholder(f *pflag.Flag) (string, string) {
	if f.Value.Type() == "bool" {
		return "", f.Usage
	}
	if p := f.Annotations[placeholderKey]; len(p) == 1 {
		return p[0], f.Usage
	}
	if name, usage := pflag.UnquoteUsage(f); name != "" && name == strings.ToUpper(name) && !strings.Contains(name, " ") {
		return name, usage
	}
	if p, ok := placeholders[f.Name]; ok {
		return p, f.Usage
	}
	switch f.Value.Type() {
	case "duration":
		return "DURATION", f.Usage
	case "int":
		return "N", f.Usage
	}
	return "VALUE", f.Usage
}

// placeholderKey annotates a flag whose value is not what its name usually takes (a --jwks
// that also takes a URL): setPlaceholder.
const placeholderKey = "cis2-golive/placeholder"

// setPlaceholder names the value of one command's flag in its help.
func setPlaceholder(fs *pflag.FlagSet, flag, value string) {
	if err := fs.SetAnnotation(flag, placeholderKey, []string{value}); err != nil {
		panic(err) // a flag name the command does not define: a programming error
	}
}

// placeholders are the values of the flags the commands share, by flag name.
var placeholders = map[string]string{
	"config": "FILE", "from-int": "FILE", "int": "FILE", "prod": "FILE", "old": "FILE", "new": "FILE",
	"draft": "FILE", "key": "FILE", "ca-cert": "FILE", "checks": "FILE", "jwks": "FILE",
	"output": "DIR", "output-dir": "DIR", "dir": "DIR",
	"discovery": "URL", "login-url": "URL", "sign-cmd": "COMMAND", "at": "TIME", "format": "FORMAT", "fault": "FAULT", "alg": "ALG", "bits": "BITS",
	"submitted": "DATE", "done": "ID,…", "timeout": "DURATION",
}

func flagDefault(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "[]", "0s":
		return ""
	}
	return f.DefValue
}

// writeRows prints name/description rows in two columns, each description wrapped under
// itself; a name too wide for that puts its description on the next line.
func writeRows(b *strings.Builder, rows [][2]string, width int) {
	col := 0
	for _, r := range rows {
		col = max(col, ansi.StringWidth(r[0]))
	}
	col += 4 // two spaces before, two after
	if col > width/2 {
		col = width / 2
	}
	for _, r := range rows {
		nameW := ansi.StringWidth(r[0])
		if 2+nameW+2 > col {
			b.WriteString("  " + r[0] + "\n")
			b.WriteString(hang(strings.Repeat(" ", col), r[1], width))
			continue
		}
		first := "  " + r[0] + strings.Repeat(" ", col-2-nameW)
		b.WriteString(hangIndent(first, strings.Repeat(" ", col), r[1], width))
	}
}

// reflow wraps prose written with hard line breaks to width, indented two spaces. A blank line
// ends a paragraph; an indented line is an item of its own ("  keys new   create a key…"),
// wrapped under its text.
func reflow(s string, width int) string {
	var b strings.Builder
	var para []string
	flush := func() {
		if len(para) > 0 {
			b.WriteString(hang("  ", strings.Join(para, " "), width))
			para = nil
		}
	}
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
			b.WriteString("\n")
		case strings.HasPrefix(line, "\t"): // a command to copy (cobra's completion help)
			flush()
			b.WriteString(commandLines("      ", strings.TrimSpace(line), width))
		case strings.HasPrefix(line, " "):
			flush()
			b.WriteString(item(line, width))
		default:
			para = append(para, strings.TrimSpace(line))
		}
	}
	flush()
	return b.String()
}

// item wraps an indented line; continuation lines start where its text does after the first
// run of two or more spaces ("  name   text"), else under its first word.
func item(line string, width int) string {
	body := strings.TrimLeft(line, " ")
	indent := 2 + len(line) - len(body)
	lead := strings.Repeat(" ", indent)
	if i := strings.Index(body, "  "); i > 0 {
		j := i
		for j < len(body) && body[j] == ' ' {
			j++
		}
		return hangIndent(lead+body[:j], strings.Repeat(" ", indent+j), body[j:], width)
	}
	return hang(lead, body, width)
}

// commandLines prints a shell command indented, broken at spaces with " \" continuations
// when it is too wide, so that what is copied still runs.
func commandLines(indent, cmd string, width int) string {
	if ansi.StringWidth(indent+cmd) <= width {
		return indent + cmd + "\n"
	}
	var b strings.Builder
	prefix, room := indent, width-len(indent)-2
	words := strings.Fields(cmd)
	line := ""
	for i, w := range words {
		switch {
		case line == "":
			line = w
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= room:
			line += " " + w
		default:
			b.WriteString(prefix + line + " \\\n")
			prefix, room, line = indent+"    ", width-len(indent)-6, w
		}
		if i == len(words)-1 {
			b.WriteString(prefix + line + "\n")
		}
	}
	return b.String()
}

// hang and hangIndent wrap s at spaces to width with a first-line prefix and a continuation
// indent; every line ends in a newline, none in a space. A word wider than the line (a URL)
// stays whole.
func hang(first, s string, width int) string {
	return hangIndent(first, strings.Repeat(" ", ansi.StringWidth(first)), s, width)
}

func hangIndent(first, rest, s string, width int) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		prefix := rest
		if i == 0 {
			prefix = first
		}
		room := max(width-ansi.StringWidth(prefix), width/3)
		for j, l := range report.WrapWords(line, room) {
			if j > 0 {
				prefix = rest
			}
			b.WriteString(strings.TrimRight(prefix+l, " ") + "\n")
		}
	}
	return b.String()
}

// helpCommands is every command of the tree that help is shown for (tests walk it).
func helpCommands(root *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		out = append(out, c)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub)
			}
		}
	}
	walk(root)
	return slices.Clip(out)
}
