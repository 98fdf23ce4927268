package workflows

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

var (
	usesLine  = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$`)
	pinnedRef = regexp.MustCompile(`@[0-9a-f]{40}$`)
	tagNote   = regexp.MustCompile(`^#\s*v[0-9]+(\.[0-9]+)*\b`)
)

// Unpinned lists the `uses:` lines of a workflow whose action is not pinned to a full commit SHA with
// its release tag in a comment (`owner/repo@<sha> # v1.2.3`): a tag can be moved to other code, a SHA
// cannot, and the comment tells a reader (and Dependabot) which release it is. Local actions (./...)
// and container actions (docker://) are not checked.
func Unpinned(content []byte) []Problem {
	var problems []Problem
	s := bufio.NewScanner(bytes.NewReader(content))
	for line := 1; s.Scan(); line++ {
		m := usesLine.FindStringSubmatch(s.Text())
		if m == nil || strings.HasPrefix(m[1], "./") || strings.HasPrefix(m[1], "docker://") {
			continue
		}
		if !pinnedRef.MatchString(m[1]) || !tagNote.MatchString(m[2]) {
			problems = append(problems, Problem{Line: line,
				Message: fmt.Sprintf("%s: pin the action to a full commit SHA with its tag in a comment (owner/repo@<sha> # v1.2.3)", m[1])})
		}
	}
	return problems
}
