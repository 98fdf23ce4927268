package v1alpha1

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// The generated CRDs check regions with the markers of Vault.Region, which must say what pkg/alibaba
// says a region is: the controller builds HBR endpoints from them.
func TestCRDRegionsAreAlibabaRegions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "..", "deploy", "crds", "*.yaml"))
	require.NoError(t, err)
	require.Len(t, files, 2)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var crd apiextv1.CustomResourceDefinition
		require.NoError(t, yaml.UnmarshalStrict(data, &crd), f)
		assert.Equal(t, GroupName, crd.Spec.Group)
		regions := 0
		for _, v := range crd.Spec.Versions {
			walk(v.Schema.OpenAPIV3Schema, func(name string, s apiextv1.JSONSchemaProps) {
				if name == "region" {
					regions++
					assert.Equal(t, alibaba.RegionPattern, s.Pattern, f)
					if assert.NotNil(t, s.MaxLength, f) {
						assert.EqualValues(t, alibaba.MaxRegionLength, *s.MaxLength, f)
					}
				}
			})
		}
		assert.Positive(t, regions, "%s has a region", f)
	}
}

func walk(s *apiextv1.JSONSchemaProps, visit func(name string, s apiextv1.JSONSchemaProps)) {
	if s == nil {
		return
	}
	for name, p := range s.Properties {
		visit(name, p)
		walk(&p, visit)
	}
	if s.Items != nil {
		walk(s.Items.Schema, visit)
	}
}
