package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// ImageRegistryMapping moves images between registries by repository prefix, the imageRegistryMapping
// configuration key:
//
//	docker.io/library/: registry.cn-beijing.aliyuncs.com/my-registry/
//
// turns nginx:1.25 into registry.cn-beijing.aliyuncs.com/my-registry/nginx:1.25. Keys are read the way
// Docker reads an image name (no registry means docker.io, index.docker.io is docker.io, a bare "nginx"
// is docker.io/library/nginx), and match whole path components only: a key ending in "/" matches the
// repositories under it, a key without it matches that registry or repository and everything under it.
// Key and value end in "/" alike. The longest matching key wins; tags and digests are kept. Keys whose
// reading would surprise are refused: "docker.io/bitnami" (the image docker.io/library/bitnami, or the
// namespace docker.io/bitnami/?) and a bare "library".
//
// In the restore pipeline it runs after ImageNameMapping, on the image that rule produced, so a name
// change and a registry move compose.
type ImageRegistryMapping struct {
	// rules are sorted longest key first, so the first match is the most specific.
	rules []registryRule
}

type registryRule struct {
	source string // normalized key without trailing "/": "docker.io/library"
	under  bool   // the key ended in "/": match only repositories below source
	target string // value as written, without trailing "/"
}

// NewImageRegistryMapping validates the source → target prefixes.
func NewImageRegistryMapping(m map[string]string) (*ImageRegistryMapping, error) {
	keys := slices.Sorted(maps.Keys(m))
	bySource := make(map[string]string, len(m))
	rules := make([]registryRule, 0, len(m))
	for _, key := range keys {
		rule, err := newRegistryRule(key, m[key])
		if err != nil {
			return nil, err
		}
		if other, dup := bySource[rule.source]; dup {
			return nil, fmt.Errorf("conflicting rules: keys %q and %q both name %s", other, key, rule.source)
		}
		bySource[rule.source] = key
		rules = append(rules, rule)
	}
	sort.SliceStable(rules, func(i, j int) bool { return len(rules[i].source) > len(rules[j].source) })
	return &ImageRegistryMapping{rules: rules}, nil
}

func newRegistryRule(key, value string) (registryRule, error) {
	src, err := parseRepoPrefix(key)
	if err != nil {
		return registryRule{}, fmt.Errorf("key %q: %w", key, err)
	}
	dst, err := parseRepoPrefix(value)
	if err != nil {
		return registryRule{}, fmt.Errorf("key %q: value %q: %w", key, value, err)
	}
	if src.under != dst.under {
		return registryRule{}, fmt.Errorf("key %q: key and value %q must both end in \"/\" or both not", key, value)
	}
	if err := src.checkUnambiguous(); err != nil {
		return registryRule{}, fmt.Errorf("key %q: %w", key, err)
	}
	// An exact match leaves nothing to append, so the target alone must be a repository.
	if !src.under && src.path != "" && dst.path == "" {
		return registryRule{}, fmt.Errorf("key %q: value %q names only a registry, but the key names a repository", key, value)
	}
	return registryRule{source: src.normalized(), under: src.under, target: dst.written}, nil
}

// repoPrefix is a registry, a repository or a namespace of repositories, as a mapping key or value.
type repoPrefix struct {
	written  string // as given, without trailing "/"
	registry string // "" when not spelled out
	path     string // "" for a registry alone
	under    bool   // written with a trailing "/"
}

// parseRepoPrefix reads a prefix. Unlike an image reference, a lone first component that looks like a
// host ("quay.io", "localhost:5000") is a registry: nobody maps a single repository named like a host.
func parseRepoPrefix(s string) (repoPrefix, error) {
	if s == "" {
		return repoPrefix{}, errors.New("empty")
	}
	if strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return repoPrefix{}, errors.New("contains whitespace")
	}
	p := repoPrefix{written: s}
	if strings.HasSuffix(s, "/") {
		p.under, p.written = true, s[:len(s)-1]
	}
	first, rest, slash := strings.Cut(p.written, "/")
	if isRegistryLike(first) {
		if err := checkRegistry(first); err != nil {
			return repoPrefix{}, err
		}
		p.registry, p.path = first, rest
		if !slash {
			return p, nil
		}
	} else {
		p.path = p.written
	}
	if strings.ContainsAny(p.path, ":@") {
		return repoPrefix{}, errors.New("a prefix holds no tag or digest")
	}
	if err := checkRepoPath(p.path); err != nil {
		return repoPrefix{}, err
	}
	return p, nil
}

// checkUnambiguous refuses the Docker Hub keys whose Docker reading is rarely what the user means: with
// the registry spelled out, "docker.io/bitnami" reads as the image docker.io/library/bitnami, yet looks
// like the bitnami namespace; a bare "library" reads as the image library/library.
func (p repoPrefix) checkUnambiguous() error {
	if p.under || strings.Contains(p.path, "/") || p.path == "" || normalizeRegistry(p.registry) != dockerHub {
		return nil
	}
	if p.registry != "" {
		return fmt.Errorf("ambiguous on Docker Hub: write %q for the image or %q for the namespace",
			p.registry+"/"+dockerHubPrefix+p.path, p.written+"/")
	}
	if p.path == "library" {
		return fmt.Errorf("names the image docker.io/library/library; write %q to map the library namespace", "library/")
	}
	return nil
}

// normalized spells the prefix the way ImageRef.Repository spells references.
func (p repoPrefix) normalized() string {
	registry := normalizeRegistry(p.registry)
	switch {
	case p.path == "":
		return registry
	case registry == dockerHub && !p.under && !strings.Contains(p.path, "/"):
		return dockerHub + "/" + dockerHubPrefix + p.path
	}
	return registry + "/" + p.path
}

// Name is the configuration key.
func (*ImageRegistryMapping) Name() string { return "imageRegistryMapping" }

// Apply rewrites the images of every container of a pod-carrying object.
func (m *ImageRegistryMapping) Apply(item Item, out *Outcome) error {
	rewriteImages(item.Object, m.Name(), out, m)
	return nil
}

func (m *ImageRegistryMapping) rewriteImage(image string) (string, bool) {
	if len(m.rules) == 0 {
		return "", false
	}
	ref, err := ParseImageRef(image)
	if err != nil {
		// Not a reference any rule could name; the kubelet will report it, not us.
		return "", false
	}
	repo := ref.repositoryIn(image)
	for _, r := range m.rules {
		if rest, ok := r.match(repo); ok {
			return joinImage(r.target, rest, ref.Tag, ref.Digest), true
		}
	}
	return "", false
}

// match returns what follows the rule's source in repo ("" or "/..."), at a path-component boundary.
func (r registryRule) match(repo string) (string, bool) {
	if !strings.HasPrefix(repo, r.source) {
		return "", false
	}
	rest := repo[len(r.source):]
	if rest == "" {
		return "", !r.under
	}
	return rest, rest[0] == '/'
}
