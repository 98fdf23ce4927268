package transform

import (
	"errors"
	"fmt"
	"strings"
)

// ImageRef is a container image reference, [registry/]path[:tag][@digest], split into its parts exactly as
// written: ParseImageRef(s).String() == s. Matching uses the normalized form (see Repository), but a rule
// that changes nothing writes nothing back, so the user's spelling survives a restore.
type ImageRef struct {
	// Registry is host[:port], or "" when the reference names none (Docker Hub).
	Registry string
	// Path is the repository path inside the registry, components separated by "/".
	Path string
	// Tag is "" when the reference has none.
	Tag string
	// Digest is algorithm:hex, "" when the reference has none.
	Digest string
}

const (
	dockerHub       = "docker.io"
	dockerHubLegacy = "index.docker.io"
	dockerHubPrefix = "library/"
	maxTagLen       = 128
)

// ParseImageRef splits an image reference. The first path component is the registry when it contains
// "." or ":" or is "localhost", as for Docker; the grammar of each part is Docker's too, so anything a
// kubelet could pull parses.
func ParseImageRef(s string) (ImageRef, error) {
	if s == "" {
		return ImageRef{}, errors.New("empty image reference")
	}
	var ref ImageRef
	rest := s
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		ref.Digest, rest = rest[i+1:], rest[:i]
		if err := checkDigest(ref.Digest); err != nil {
			return ImageRef{}, fmt.Errorf("image %q: %w", s, err)
		}
	}
	if i := strings.LastIndexByte(rest, ':'); i > strings.LastIndexByte(rest, '/') {
		ref.Tag, rest = rest[i+1:], rest[:i]
		if err := checkTag(ref.Tag); err != nil {
			return ImageRef{}, fmt.Errorf("image %q: %w", s, err)
		}
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 && isRegistryLike(rest[:i]) {
		ref.Registry, rest = rest[:i], rest[i+1:]
		if err := checkRegistry(ref.Registry); err != nil {
			return ImageRef{}, fmt.Errorf("image %q: %w", s, err)
		}
	}
	ref.Path = rest
	if err := checkRepoPath(ref.Path); err != nil {
		return ImageRef{}, fmt.Errorf("image %q: %w", s, err)
	}
	return ref, nil
}

// String writes the reference back as it was parsed.
func (r ImageRef) String() string {
	var b strings.Builder
	b.Grow(len(r.Registry) + len(r.Path) + len(r.Tag) + len(r.Digest) + 3)
	if r.Registry != "" {
		b.WriteString(r.Registry)
		b.WriteByte('/')
	}
	b.WriteString(r.Path)
	if r.Tag != "" {
		b.WriteByte(':')
		b.WriteString(r.Tag)
	}
	if r.Digest != "" {
		b.WriteByte('@')
		b.WriteString(r.Digest)
	}
	return b.String()
}

// Name is the last path component, what users call the image's name ("nginx" in "docker.io/library/nginx").
func (r ImageRef) Name() string {
	return r.Path[strings.LastIndexByte(r.Path, '/')+1:]
}

// Repository is registry/path as Docker reads it, for matching: Docker Hub is spelled docker.io whatever
// the reference says, its official images live under library/, and host names are case-insensitive.
func (r ImageRef) Repository() string {
	registry := normalizeRegistry(r.Registry)
	if registry == dockerHub && !strings.Contains(r.Path, "/") {
		return dockerHub + "/" + dockerHubPrefix + r.Path
	}
	return registry + "/" + r.Path
}

// repositoryIn is Repository for a reference parsed from image, without allocating when image already
// spells its repository the normalized way, as images in private registries do.
func (r ImageRef) repositoryIn(image string) string {
	if r.Registry != "" && normalizeRegistry(r.Registry) == r.Registry && (r.Registry != dockerHub || strings.Contains(r.Path, "/")) {
		return image[:len(r.Registry)+1+len(r.Path)]
	}
	return r.Repository()
}

// matchTag is the tag a kubelet pulls: an untagged reference without digest means latest; one pinned by
// digest alone has no tag to match.
func (r ImageRef) matchTag() string {
	if r.Tag == "" && r.Digest == "" {
		return "latest"
	}
	return r.Tag
}

// joinImage writes head+tail[:tag][@digest] in one allocation.
func joinImage(head, tail, tag, digest string) string {
	switch {
	case tag != "" && digest != "":
		return head + tail + ":" + tag + "@" + digest
	case tag != "":
		return head + tail + ":" + tag
	case digest != "":
		return head + tail + "@" + digest
	}
	return head + tail
}

func normalizeRegistry(registry string) string {
	registry = strings.ToLower(registry)
	if registry == "" || registry == dockerHubLegacy {
		return dockerHub
	}
	return registry
}

func isRegistryLike(component string) bool {
	return strings.ContainsAny(component, ".:") || component == "localhost"
}

// checkRegistry accepts host[:port] where host is DNS labels or a bracketed IPv6 address.
func checkRegistry(registry string) error {
	host, port := registry, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 || !isIPv6Body(host[1:end]) {
			return fmt.Errorf("invalid registry %q", registry)
		}
		host, port = host[:end+1], host[end+1:]
		if port != "" && port[0] != ':' {
			return fmt.Errorf("invalid registry %q", registry)
		}
		if port != "" {
			port = port[1:]
			if !isDigits(port) {
				return fmt.Errorf("invalid registry %q: port must be a number", registry)
			}
		}
		return nil
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host, port = host[:i], host[i+1:]
		if !isDigits(port) {
			return fmt.Errorf("invalid registry %q: port must be a number", registry)
		}
	}
	for label := range strings.SplitSeq(host, ".") {
		if !isHostLabel(label) {
			return fmt.Errorf("invalid registry %q: host labels are letters, digits and inner '-'", registry)
		}
	}
	return nil
}

func isIPv6Body(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == ':' || '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isHostLabel(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || isAlnum(c) || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isAlnum is lowercase letters and digits, the alphabet of repository path components.
func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

// checkRepoPath accepts Docker repository paths: lowercase components joined by "/", each alphanumeric
// runs separated by ".", "_", "__" or dashes.
func checkRepoPath(path string) error {
	if path == "" {
		return errors.New("empty repository path")
	}
	for c := range strings.SplitSeq(path, "/") {
		if !isPathComponent(c) {
			return fmt.Errorf("invalid repository path component %q: lowercase letters and digits separated by '.', '_', '__' or '-'", c)
		}
	}
	return nil
}

// isPathComponent reads alphanumeric runs joined by one separator each: ".", "_", "__" or any run of "-".
func isPathComponent(s string) bool {
	i := alnumRun(s, 0)
	if i == 0 {
		return false
	}
	for i < len(s) {
		switch {
		case s[i] == '.':
			i++
		case strings.HasPrefix(s[i:], "__"):
			i += 2
		case s[i] == '_':
			i++
		case s[i] == '-':
			for i < len(s) && s[i] == '-' {
				i++
			}
		default:
			return false
		}
		next := alnumRun(s, i)
		if next == i {
			return false
		}
		i = next
	}
	return true
}

func alnumRun(s string, i int) int {
	for i < len(s) && isAlnum(s[i]) {
		i++
	}
	return i
}

func checkTag(tag string) error {
	if tag == "" || len(tag) > maxTagLen {
		return fmt.Errorf("invalid tag %q: 1 to %d characters", tag, maxTagLen)
	}
	if tag[0] == '.' || tag[0] == '-' {
		return fmt.Errorf("invalid tag %q: must start with a letter, digit or '_'", tag)
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !(isAlnum(c) || 'A' <= c && c <= 'Z' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("invalid tag %q: letters, digits, '_', '.' and '-' only", tag)
		}
	}
	return nil
}

// checkDigest accepts algorithm:hex with at least 32 hex digits, and exactly the hash size for the
// algorithms a registry serves.
func checkDigest(digest string) error {
	algo, hex, ok := strings.Cut(digest, ":")
	if !ok || !isDigestAlgorithm(algo) || len(hex) < 32 {
		return fmt.Errorf("invalid digest %q", digest)
	}
	for i := 0; i < len(hex); i++ {
		c := hex[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return fmt.Errorf("invalid digest %q: not hexadecimal", digest)
		}
	}
	want := 0
	switch algo {
	case "sha256":
		want = 64
	case "sha512":
		want = 128
	}
	if want != 0 && len(hex) != want {
		return fmt.Errorf("invalid digest %q: %s has %d hex digits", digest, algo, want)
	}
	return nil
}

// isDigestAlgorithm accepts letter-led alphanumeric components separated by "+", ".", "_" or "-".
func isDigestAlgorithm(s string) bool {
	start := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			start = false
		case '0' <= c && c <= '9':
			if start {
				return false
			}
		case c == '+' || c == '.' || c == '_' || c == '-':
			if start {
				return false
			}
			start = true
		default:
			return false
		}
	}
	return s != "" && !start
}
