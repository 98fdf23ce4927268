// Package releasenotes turns changelog fragments into release notes and CHANGELOG.md sections, and
// gathers a release's assets. A fragment is a file changelogs/unreleased/<PR>-<github user> holding one
// line that says what changed for a user, the way velero-plugin-for-aws keeps its changelog: every pull
// request adds its own file, so two pull requests never conflict over CHANGELOG.md.
package releasenotes

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// UnreleasedDir is where pull requests put their fragments, relative to the repository root.
const UnreleasedDir = "changelogs/unreleased"

// Fragment is one changelog line and who it comes from.
type Fragment struct {
	PR   int
	User string
	Text string
}

// A GitHub login: letters, digits and single inner hyphens, at most 39 characters.
var fragmentName = regexp.MustCompile(`^([1-9][0-9]*)-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)*)$`)

const maxUserLength = 39

// ParseFragment checks a fragment's file name and content. The content is one non-empty line, with or
// without its final newline; anything else (a second line, surrounding spaces, a carriage return) is
// refused, because it would come out garbled in a Markdown list.
func ParseFragment(name string, content []byte) (Fragment, error) {
	m := fragmentName.FindStringSubmatch(name)
	if m == nil || len(m[2]) > maxUserLength {
		return Fragment{}, fmt.Errorf("fragment %q: name must be <PR number>-<github user>, e.g. 42-octocat", name)
	}
	pr, err := strconv.Atoi(m[1])
	if err != nil {
		return Fragment{}, fmt.Errorf("fragment %q: PR number: %w", name, err)
	}
	text := strings.TrimSuffix(string(content), "\n")
	switch {
	case text == "":
		return Fragment{}, fmt.Errorf("fragment %q: empty; write one line saying what changed for users", name)
	case strings.ContainsAny(text, "\r\n"):
		return Fragment{}, fmt.Errorf("fragment %q: more than one line; a fragment is one line", name)
	case strings.TrimSpace(text) != text:
		return Fragment{}, fmt.Errorf("fragment %q: leading or trailing spaces", name)
	case strings.HasPrefix(text, "- ") || strings.HasPrefix(text, "* "):
		return Fragment{}, fmt.Errorf("fragment %q: starts with a list marker; the notes add it", name)
	}
	return Fragment{PR: pr, User: m[2], Text: text}, nil
}

// ReadFragments reads every fragment in dir of fsys, sorted by PR number, and reports every bad one at
// once. A missing directory holds no fragments (git keeps no empty directories).
func ReadFragments(fsys fs.FS, dir string) ([]Fragment, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read fragments in %s: %w", dir, err)
	}
	var fragments []Fragment
	var errs []error
	for _, e := range entries {
		if e.Name() == ".gitkeep" {
			continue
		}
		if e.IsDir() {
			errs = append(errs, fmt.Errorf("%s/%s: a directory where fragments go", dir, e.Name()))
			continue
		}
		content, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("read fragment %s/%s: %w", dir, e.Name(), err))
			continue
		}
		f, err := ParseFragment(e.Name(), content)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", dir, err))
			continue
		}
		fragments = append(fragments, f)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sort.SliceStable(fragments, func(i, j int) bool {
		if fragments[i].PR != fragments[j].PR {
			return fragments[i].PR < fragments[j].PR
		}
		return fragments[i].User < fragments[j].User
	})
	return fragments, nil
}

// Line is the fragment as one Markdown list item.
func (f Fragment) Line() string {
	return fmt.Sprintf("- %s (#%d, @%s)", f.Text, f.PR, f.User)
}
