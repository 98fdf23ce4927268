package releasenotes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Unreleased is the heading of CHANGELOG.md's section for fragments not yet released.
const Unreleased = "Unreleased"

// ReleasedDir is where a release's fragments go once CHANGELOG.md holds them.
func ReleasedDir(version string) string { return path.Join("changelogs", version) }

// A release tag: v<major>.<minor>.<patch>, optionally with a pre-release suffix.
var releaseVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`)

// CheckVersion fails unless version is a release tag such as v1.2.3 or v1.2.3-rc.1.
func CheckVersion(version string) error {
	if !releaseVersion.MatchString(version) {
		return fmt.Errorf("version %q is not a release tag like v1.2.3 or v1.2.3-rc.1", version)
	}
	return nil
}

// FragmentsFor reads the fragments of a version: changelogs/<version>/ once `make changelog` has moved
// them there, changelogs/unreleased/ before.
func FragmentsFor(fsys fs.FS, version string) ([]Fragment, error) {
	dir := ReleasedDir(version)
	if _, err := fs.Stat(fsys, dir); err == nil && version != "" && version != "unreleased" {
		return ReadFragments(fsys, dir)
	}
	return ReadFragments(fsys, UnreleasedDir)
}

// SetSection puts section (which starts with its "## <heading>" line) into changelog: in place of the
// section with the same heading when there is one, else before the first section. Releasing a version
// also drops the Unreleased section, whose fragments the release now holds. A version that is already
// there is refused: a release's section is written once.
func SetSection(changelog, section string) (string, error) {
	heading, _, _ := strings.Cut(section, "\n")
	if !strings.HasPrefix(heading, "## ") {
		return "", fmt.Errorf("section starts with %q, not a ## heading", heading)
	}
	releasing := heading != "## "+Unreleased
	preamble, sections := splitSections(changelog)
	var out []string
	inserted := false
	for _, s := range sections {
		h, _, _ := strings.Cut(s, "\n")
		switch {
		case h == heading && releasing:
			return "", fmt.Errorf("CHANGELOG.md already has a section %q", strings.TrimPrefix(h, "## "))
		case h == heading || (releasing && h == "## "+Unreleased):
			if !inserted {
				out = append(out, section)
				inserted = true
			}
		default:
			if !inserted {
				out = append(out, section)
				inserted = true
			}
			out = append(out, s)
		}
	}
	if !inserted {
		out = append(out, section)
	}
	return strings.TrimRight(preamble, "\n") + "\n\n" + joinSections(out), nil
}

// splitSections cuts a changelog at its "## " headings.
func splitSections(changelog string) (preamble string, sections []string) {
	lines := strings.SplitAfter(changelog, "\n")
	var cur *strings.Builder
	var pre strings.Builder
	var all []*strings.Builder
	for _, l := range lines {
		if strings.HasPrefix(l, "## ") {
			cur = &strings.Builder{}
			all = append(all, cur)
		}
		if cur == nil {
			pre.WriteString(l)
		} else {
			cur.WriteString(l)
		}
	}
	for _, s := range all {
		sections = append(sections, s.String())
	}
	return pre.String(), sections
}

func joinSections(sections []string) string {
	trimmed := make([]string, len(sections))
	for i, s := range sections {
		trimmed[i] = strings.TrimRight(s, "\n") + "\n"
	}
	return strings.Join(trimmed, "\n")
}

// Release folds the unreleased fragments under root into CHANGELOG.md as the section of version and
// moves them to changelogs/<version>/, where the release notes read them from. It refuses a release
// with no fragments, and one whose directory exists.
func Release(root, version, repository string) error {
	if err := CheckVersion(version); err != nil {
		return err
	}
	fragments, err := ReadFragments(os.DirFS(root), UnreleasedDir)
	if err != nil {
		return err
	}
	if len(fragments) == 0 {
		return fmt.Errorf("release %s: no fragments in %s", version, UnreleasedDir)
	}
	target := filepath.Join(root, filepath.FromSlash(ReleasedDir(version)))
	if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("release %s: %s exists already", version, ReleasedDir(version))
	}
	changelogPath := filepath.Join(root, "CHANGELOG.md")
	old, err := os.ReadFile(changelogPath)
	if err != nil {
		return fmt.Errorf("release %s: %w", version, err)
	}
	updated, err := SetSection(string(old), ChangelogSection(version, repository, fragments))
	if err != nil {
		return fmt.Errorf("release %s: %w", version, err)
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("release %s: %w", version, err)
	}
	for _, f := range fragments {
		name := fmt.Sprintf("%d-%s", f.PR, f.User)
		if err := os.Rename(filepath.Join(root, filepath.FromSlash(UnreleasedDir), name), filepath.Join(target, name)); err != nil {
			return fmt.Errorf("release %s: move fragment: %w", version, err)
		}
	}
	if err := os.WriteFile(changelogPath, []byte(updated), 0o644); err != nil {
		return fmt.Errorf("release %s: %w", version, err)
	}
	return nil
}

// RefreshUnreleased rewrites CHANGELOG.md's Unreleased section from the fragments under root.
func RefreshUnreleased(root, repository string) error {
	fragments, err := ReadFragments(os.DirFS(root), UnreleasedDir)
	if err != nil {
		return err
	}
	changelogPath := filepath.Join(root, "CHANGELOG.md")
	old, err := os.ReadFile(changelogPath)
	if err != nil {
		return fmt.Errorf("refresh unreleased changes: %w", err)
	}
	updated, err := SetSection(string(old), ChangelogSection(Unreleased, repository, fragments))
	if err != nil {
		return fmt.Errorf("refresh unreleased changes: %w", err)
	}
	return os.WriteFile(changelogPath, []byte(updated), 0o644)
}
