package transform

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// imageRewriter maps one image reference; ok is false when it leaves the image alone.
type imageRewriter interface {
	rewriteImage(image string) (rewritten string, ok bool)
}

// rewriteImages applies r to every container of the object's pod spec (init, regular and ephemeral) and
// notes each change. Containers whose image does not change are not written to, so objects a rule does
// not concern stay byte-for-byte as they came.
func rewriteImages(obj *unstructured.Unstructured, rule string, out *Outcome, r imageRewriter) {
	spec := PodSpec(obj)
	if spec == nil {
		return
	}
	// Walks the lists in place rather than through Containers, which builds a slice for every object.
	for _, field := range containerLists {
		list, _ := spec[field].([]any)
		for _, item := range list {
			c, _ := item.(map[string]any)
			image, _ := c["image"].(string)
			if image == "" {
				continue
			}
			rewritten, ok := r.rewriteImage(image)
			if !ok || rewritten == image {
				continue
			}
			c["image"] = rewritten
			name, _ := c["name"].(string)
			out.Note(rule, "container %s: %s -> %s", name, image, rewritten)
		}
	}
}
