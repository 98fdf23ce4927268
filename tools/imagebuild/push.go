package imagebuild

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push sends the multi-platform index of each image in dir (as Write left it) to
// <registry>/<name>:<version>, with the credentials docker login stored, and returns each reference by
// digest, which is what gets signed.
func Push(ctx context.Context, dir, registry string, images []Image, opts ...remote.Option) ([]string, error) {
	opts = append([]remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	var pushed []string
	for _, img := range images {
		idx, version, err := ReadLayout(filepath.Join(dir, img.Name))
		if err != nil {
			return pushed, err
		}
		ref, err := name.NewTag(registry + "/" + img.Name + ":" + version)
		if err != nil {
			return pushed, fmt.Errorf("push image %s: %w", img.Name, err)
		}
		if err := remote.WriteIndex(ref, idx, opts...); err != nil {
			return pushed, fmt.Errorf("push image %s to %s: %w", img.Name, ref, err)
		}
		digest, err := idx.Digest()
		if err != nil {
			return pushed, err
		}
		pushed = append(pushed, ref.Context().Digest(digest.String()).String())
	}
	return pushed, nil
}
