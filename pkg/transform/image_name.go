package transform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
)

// ImageNameMapping renames images, the imageNameMapping configuration key. Its values are the forms users
// know from Velero's change-image-name ConfigMap, keyed by an arbitrary case name:
//
//	case1: app1:v1,app2:v2     image named app1 with tag v1 -> app2:v2 (registry and path kept)
//	case2: app1,app2           image named app1, any tag or digest -> app2, tag kept
//	case3: v1:v2               any image tagged v1 -> tagged v2
//	case4: docker.io/library/app1:v1,registry.cn-beijing.aliyuncs.com/my-registry/app2:v2
//	                           a source holding "/" names a whole repository (normalized as Docker does,
//	                           with or without tag) and the target replaces it whole
//
// Velero replaces substrings and picks among matching rules in Go map order; here exactly one rule applies
// to an image, the most specific: registry-scoped with tag, registry-scoped, name:tag, name, tag. A target
// without a tag keeps the image's tag, and a digest is always kept. An untagged reference matches as
// "latest" (what the kubelet pulls); one pinned by digest alone has no tag, so tag rules pass it by.
//
// In the restore pipeline it runs before ImageRegistryMapping, which then moves the renamed image.
type ImageNameMapping struct {
	scoped map[string]nameTargets // by normalized repository
	names  map[string]nameTargets // by last path component
	tags   map[string]nameTarget  // by tag
}

// nameTargets are the rules for one repository or name: per tag, and for any tag.
type nameTargets struct {
	byTag map[string]nameTarget
	any   *nameTarget
}

type nameTarget struct {
	caseName string
	written  string // the target as configured
	repo     string // scoped: the new registry/path; name: the new name; tag: unused
	tag      string // "" keeps the image's tag
}

// NewImageNameMapping validates the cases.
func NewImageNameMapping(m map[string]string) (*ImageNameMapping, error) {
	cases := slices.Sorted(maps.Keys(m))
	mapping := &ImageNameMapping{
		scoped: map[string]nameTargets{},
		names:  map[string]nameTargets{},
		tags:   map[string]nameTarget{},
	}
	seen := map[string]nameTarget{} // by source, to find conflicts
	for _, c := range cases {
		rule, err := parseNameRule(c, m[c])
		if err != nil {
			return nil, fmt.Errorf("case %q: %w", c, err)
		}
		if prev, dup := seen[rule.source]; dup {
			if prev.written != rule.target.written {
				return nil, fmt.Errorf("conflicting rules: cases %q and %q both map %s, to %s and to %s",
					prev.caseName, c, rule.source, prev.written, rule.target.written)
			}
			continue
		}
		seen[rule.source] = rule.target
		mapping.add(rule)
	}
	return mapping, nil
}

type nameRuleKind int

const (
	scopedRule nameRuleKind = iota
	nameRule
	tagRule
)

type parsedNameRule struct {
	kind   nameRuleKind
	key    string // repository, name or tag the rule matches
	tag    string // tag the source requires; "" for any
	source string // for messages and conflicts
	target nameTarget
}

func parseNameRule(caseName, value string) (parsedNameRule, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return parsedNameRule{}, errors.New("empty value")
	}
	// Velero trims around the parts; inside them a space is a typo, never part of a name.
	src, dst, comma := strings.Cut(value, ",")
	src, dst = strings.TrimSpace(src), strings.TrimSpace(dst)
	if strings.IndexFunc(src, unicode.IsSpace) >= 0 || strings.IndexFunc(dst, unicode.IsSpace) >= 0 {
		return parsedNameRule{}, fmt.Errorf("value %q: contains whitespace", value)
	}
	if !comma {
		return parseTagRule(caseName, value)
	}
	switch {
	case strings.Contains(dst, ","):
		return parsedNameRule{}, fmt.Errorf("value %q: more than one ','", value)
	case src == "" || dst == "":
		return parsedNameRule{}, fmt.Errorf("value %q: source and target must both be set", value)
	}
	from, err := parseMappedImage("source", src)
	if err != nil {
		return parsedNameRule{}, err
	}
	to, err := parseMappedImage("target", dst)
	if err != nil {
		return parsedNameRule{}, err
	}
	target := nameTarget{caseName: caseName, written: dst, tag: to.Tag}
	if strings.Contains(src, "/") {
		repo := from.Repository()
		target.repo = dst
		if to.Tag != "" {
			target.repo = dst[:len(dst)-len(to.Tag)-1]
		}
		return parsedNameRule{kind: scopedRule, key: repo, tag: from.Tag, source: withTag(repo, from.Tag), target: target}, nil
	}
	if to.Registry != "" || strings.Contains(to.Path, "/") {
		return parsedNameRule{}, fmt.Errorf("target %q: a name source takes a name target without '/'; "+
			"to replace whole references, give the source with its registry and path", dst)
	}
	target.repo = to.Path
	return parsedNameRule{kind: nameRule, key: from.Path, tag: from.Tag, source: src, target: target}, nil
}

func parseTagRule(caseName, value string) (parsedNameRule, error) {
	from, to, ok := strings.Cut(value, ":")
	if !ok {
		return parsedNameRule{}, fmt.Errorf("value %q: none of the forms name:tag,name:tag | name,name | "+
			"registry/path:tag,registry/path:tag | tag:tag", value)
	}
	if err := checkTag(from); err != nil {
		return parsedNameRule{}, fmt.Errorf("value %q: source: %w", value, err)
	}
	if err := checkTag(to); err != nil {
		return parsedNameRule{}, fmt.Errorf("value %q: target: %w", value, err)
	}
	return parsedNameRule{kind: tagRule, key: from, source: "tag " + from,
		target: nameTarget{caseName: caseName, written: to, tag: to}}, nil
}

// parseMappedImage reads one side of a mapping: an image reference without digest, because a digest
// names content that a rename cannot change.
func parseMappedImage(side, s string) (ImageRef, error) {
	ref, err := ParseImageRef(s)
	if err != nil {
		return ImageRef{}, fmt.Errorf("%s: %w", side, err)
	}
	if ref.Digest != "" {
		return ImageRef{}, fmt.Errorf("%s %q: holds a digest; digests are kept, not mapped", side, s)
	}
	return ref, nil
}

func withTag(repo, tag string) string {
	if tag == "" {
		return repo
	}
	return repo + ":" + tag
}

func (m *ImageNameMapping) add(r parsedNameRule) {
	target := r.target
	if r.kind == tagRule {
		m.tags[r.key] = target
		return
	}
	index := m.names
	if r.kind == scopedRule {
		index = m.scoped
	}
	t := index[r.key]
	if r.tag == "" {
		t.any = &target
	} else {
		if t.byTag == nil {
			t.byTag = map[string]nameTarget{}
		}
		t.byTag[r.tag] = target
	}
	index[r.key] = t
}

// find prefers the rule for the image's tag over the rule for any tag.
func (t nameTargets) find(tag string) (nameTarget, bool) {
	if target, ok := t.byTag[tag]; ok && tag != "" {
		return target, true
	}
	if t.any != nil {
		return *t.any, true
	}
	return nameTarget{}, false
}

// Name is the configuration key.
func (*ImageNameMapping) Name() string { return "imageNameMapping" }

// Apply rewrites the images of every container of a pod-carrying object.
func (m *ImageNameMapping) Apply(item Item, out *Outcome) error {
	rewriteImages(item.Object, m.Name(), out, m)
	return nil
}

func (m *ImageNameMapping) rewriteImage(image string) (string, bool) {
	if len(m.scoped)+len(m.names)+len(m.tags) == 0 {
		return "", false
	}
	ref, err := ParseImageRef(image)
	if err != nil {
		return "", false
	}
	tag := ref.matchTag()
	if len(m.scoped) > 0 {
		if t, ok := m.scoped[ref.repositoryIn(image)].find(tag); ok {
			return joinImage(t.repo, "", t.tagOr(ref.Tag), ref.Digest), true
		}
	}
	// Name and tag rules keep the registry and path as the image spells them.
	base := image
	if ref.Digest != "" {
		base = base[:len(base)-len(ref.Digest)-1]
	}
	if ref.Tag != "" {
		base = base[:len(base)-len(ref.Tag)-1]
	}
	if t, ok := m.names[ref.Name()].find(tag); ok {
		dir := base[:len(base)-len(ref.Name())]
		return joinImage(dir, t.repo, t.tagOr(ref.Tag), ref.Digest), true
	}
	if t, ok := m.tags[tag]; ok {
		return joinImage(base, "", t.tag, ref.Digest), true
	}
	return "", false
}

func (t nameTarget) tagOr(tag string) string {
	if t.tag != "" {
		return t.tag
	}
	return tag
}
