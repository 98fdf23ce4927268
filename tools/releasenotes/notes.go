package releasenotes

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// ImageNames are the images every release pushes, in the order the notes list them.
var ImageNames = []string{"velero-plugin-for-alibabacloud", "csdr-controller"}

// Registry is where a release's images are pushed, e.g. ghcr.io/csdr-io.
type Registry struct {
	Name string
	// Note says who the registry is for, e.g. "mirror reachable from mainland China"; empty for none.
	Note string
}

// Notes is what a GitHub release says.
type Notes struct {
	Version string
	// Repository is the GitHub owner/name the release is published in.
	Repository string
	Registries []Registry
	// Digests maps an image name (an entry of ImageNames) to its index digest, sha256:<hex>; the same
	// in every registry. Empty when the images were not built.
	Digests   map[string]string
	Fragments []Fragment
}

// Markdown renders the notes: a "## <version>" section with the link to the release, the image
// references in every registry, how to verify their signatures, and the changes.
func (n Notes) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", n.Version)
	fmt.Fprintf(&b, "Release: %s\n\n", releaseURL(n.Repository, n.Version))
	b.WriteString("### Images\n\n")
	b.WriteString("Multi-arch (linux/amd64, linux/arm64), the same digest in every registry.\n")
	for _, r := range n.Registries {
		b.WriteString("\n")
		if r.Note != "" {
			fmt.Fprintf(&b, "%s (%s):\n\n", r.Name, r.Note)
		} else {
			fmt.Fprintf(&b, "%s:\n\n", r.Name)
		}
		for _, image := range ImageNames {
			fmt.Fprintf(&b, "- `%s/%s:%s`\n", r.Name, image, n.Version)
		}
	}
	if len(n.Digests) > 0 {
		b.WriteString("\nDigests:\n\n")
		for _, image := range ImageNames {
			if d, ok := n.Digests[image]; ok {
				fmt.Fprintf(&b, "- %s `%s`\n", image, d)
			}
		}
	}
	if len(n.Registries) > 0 {
		b.WriteString("\nThe images are signed keyless by this repository's release workflow:\n\n")
		fmt.Fprintf(&b, "```sh\ncosign verify %s/%s:%s \\\n", n.Registries[0].Name, ImageNames[0], n.Version)
		fmt.Fprintf(&b, "  --certificate-identity https://github.com/%s/.github/workflows/release.yaml@refs/tags/%s \\\n",
			n.Repository, n.Version)
		b.WriteString("  --certificate-oidc-issuer https://token.actions.githubusercontent.com\n```\n")
	}
	b.WriteString("\n### All changes\n\n")
	b.WriteString(changeList(n.Fragments))
	return b.String()
}

// ChangelogSection is the section CHANGELOG.md keeps for a version: its heading, the link to the
// release (none for "Unreleased") and the changes.
func ChangelogSection(version, repository string, fragments []Fragment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", version)
	if version != Unreleased {
		fmt.Fprintf(&b, "Release: %s\n\n", releaseURL(repository, version))
	}
	b.WriteString(changeList(fragments))
	return b.String()
}

func changeList(fragments []Fragment) string {
	if len(fragments) == 0 {
		return "No changes recorded.\n"
	}
	var b strings.Builder
	for _, f := range fragments {
		b.WriteString(f.Line() + "\n")
	}
	return b.String()
}

func releaseURL(repository, version string) string {
	return fmt.Sprintf("https://github.com/%s/releases/tag/%s", repository, version)
}

// digestLine is a line of _output/images/digests.txt: `<image name> sha256:<hex>`; the name may carry
// a registry path and a tag.
var digestLine = regexp.MustCompile(`^(\S+) (sha256:[0-9a-f]{64})$`)

// ParseDigests reads digests.txt into a map from image name (without registry and tag) to digest.
func ParseDigests(r io.Reader) (map[string]string, error) {
	digests := map[string]string{}
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		m := digestLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("digests line %d: %q is not `<image> sha256:<hex>`", n, line)
		}
		name := m[1][strings.LastIndex(m[1], "/")+1:]
		if i := strings.Index(name, ":"); i >= 0 {
			name = name[:i]
		}
		digests[name] = m[2]
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read digests: %w", err)
	}
	var unknown []string
	for name := range digests {
		if !isImageName(name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("digests of unknown images %v; the release knows %v", unknown, ImageNames)
	}
	return digests, nil
}

func isImageName(name string) bool {
	for _, n := range ImageNames {
		if n == name {
			return true
		}
	}
	return false
}
