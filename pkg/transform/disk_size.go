package transform

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// DiskMinimumSizeRule is the configuration key of the disk minimum size rule.
const DiskMinimumSizeRule = "diskMinimumSize"

// minimumDiskSize is the smallest disk ECS creates.
var minimumDiskSize = resource.MustParse("20Gi")

// DiskMinimumSize raises Alibaba Cloud disk volumes below the ECS minimum to it: a claim for less could
// never be provisioned. It touches disks only: the Alibaba plugin of 2019 resized every cloud's volumes,
// and users still cite that.
type DiskMinimumSize struct {
	facts *StorageFacts
}

var _ Rule = (*DiskMinimumSize)(nil)

// NewDiskMinimumSize returns the rule for a restore's target; it needs its StorageClasses to tell a disk
// claim from any other.
func NewDiskMinimumSize(facts *StorageFacts) *DiskMinimumSize {
	return &DiskMinimumSize{facts: facts}
}

// Name returns the rule's configuration key.
func (d *DiskMinimumSize) Name() string { return DiskMinimumSizeRule }

// Apply raises the size of every disk volume site of the object below the minimum: a PV's capacity, a
// claim's storage request.
func (d *DiskMinimumSize) Apply(item Item, out *Outcome) error {
	for _, site := range volumeSites(item.Object) {
		disk, unknown := d.facts.isDisk(site)
		if !disk && unknown == "" {
			continue
		}
		path := site.sizePath()
		raw, found, _ := unstructured.NestedFieldNoCopy(site.spec, path...)
		if !found {
			continue
		}
		size, err := parseQuantity(raw)
		if err != nil {
			return fmt.Errorf("%s: %s %v: %w", site.desc(), strings.Join(path, "."), raw, err)
		}
		if size.Cmp(minimumDiskSize) >= 0 {
			continue
		}
		if unknown != "" {
			out.Note(DiskMinimumSizeRule, "%s %s is %s and left so: %s, so whether it is an Alibaba Cloud disk (at least %s) cannot be told",
				site.desc(), sizeWhat(site), size.String(), unknown, minimumDiskSize.String())
			continue
		}
		if err := unstructured.SetNestedField(site.spec, minimumDiskSize.String(), path...); err != nil {
			return fmt.Errorf("%s: %w", site.desc(), err)
		}
		out.Note(DiskMinimumSizeRule, "%s %s is %s, below the %s minimum of an Alibaba Cloud disk; restored as %s",
			site.desc(), sizeWhat(site), size.String(), minimumDiskSize.String(), minimumDiskSize.String())
	}
	return nil
}

// sizeWhat names the size a site keeps, for notes.
func sizeWhat(site volumeSite) string {
	if site.isPV {
		return "capacity"
	}
	return "storage request"
}

// parseQuantity reads a quantity as JSON decoding leaves it: a string, or a bare number of bytes.
func parseQuantity(v any) (resource.Quantity, error) {
	switch t := v.(type) {
	case string:
		return resource.ParseQuantity(t)
	case int64:
		return *resource.NewQuantity(t, resource.BinarySI), nil
	case float64:
		return resource.ParseQuantity(strconv.FormatFloat(t, 'f', -1, 64))
	}
	return resource.Quantity{}, fmt.Errorf("not a quantity: %T", v)
}
