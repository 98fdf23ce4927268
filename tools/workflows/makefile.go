// Package workflows checks the repository's GitHub workflows: they parse and pass actionlint's checks
// (expressions, contexts, needs, action inputs), and every `make <target>` they run names a target the
// Makefile has, so a renamed target fails here instead of in the first release.
package workflows

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// A rule line: target names, a colon that is not part of an assignment (:=, ::=), then prerequisites.
var ruleLine = regexp.MustCompile(`^([^\s:=#$][^:=#]*?)\s*::?(?:[^=]|$)`)

// MakeTargets lists the targets a Makefile has rules for, .PHONY ones included. Targets named by
// variables ($(HARNESS)) are left out: no workflow calls them by name.
func MakeTargets(makefile []byte) map[string]bool {
	targets := map[string]bool{}
	s := bufio.NewScanner(bytes.NewReader(makefile))
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "\t") {
			continue // a recipe
		}
		m := ruleLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, name := range strings.Fields(m[1]) {
			if !strings.HasPrefix(name, ".") {
				targets[name] = true
			}
		}
	}
	return targets
}

// MakeCall is one `make` command of a script: its targets, in order.
type MakeCall struct {
	Command string
	Targets []string
}

// Where a command starts: the start of the script or a line, after a shell operator, or after a
// keyword such as `if` or `then`.
var commandStart = regexp.MustCompile(`(?:^|[\n;&|(])\s*(?:(?:if|then|else|elif|do|while|until|!|time)\s+)*make(?:[ \t]|$)`)

// MakeCalls finds the make commands of a shell script and their targets: the words after `make` up
// to the end of the command that are neither options nor VAR=value assignments. An option that takes
// a value in the next word (-C, -f, -j N) is skipped with it.
func MakeCalls(script string) []MakeCall {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var calls []MakeCall
	for _, loc := range commandStart.FindAllStringIndex(script, -1) {
		words, command := shellWords(script[loc[1]:])
		call := MakeCall{Command: strings.TrimSpace("make " + command)}
		for i := 0; i < len(words); i++ {
			w := words[i]
			switch {
			case w == "-C" || w == "-f" || w == "-j" || w == "-o" || w == "-W":
				i++
			case strings.HasPrefix(w, "-"), strings.Contains(w, "="):
			default:
				call.Targets = append(call.Targets, w)
			}
		}
		calls = append(calls, call)
	}
	return calls
}

// shellWords splits a command into words, quotes kept, up to the first unquoted operator, newline or
// comment; it also returns the text of the command.
func shellWords(s string) (words []string, command string) {
	var word strings.Builder
	var quote rune
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i, r := range s {
		switch {
		case quote != 0:
			word.WriteRune(r)
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
			word.WriteRune(r)
			inWord = true
		case strings.ContainsRune("\n;&|)#", r):
			flush()
			return words, s[:i]
		case r == ' ' || r == '\t':
			flush()
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words, s
}
