package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupName is the API group of the records.
const GroupName = "csdr.io"

// GroupVersion is the group and version of this package's kinds.
var GroupVersion = schema.GroupVersion{Group: GroupName, Version: "v1alpha1"}

var (
	// SchemeBuilder registers this package's kinds with a scheme.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme adds FilesystemBackup, FilesystemRestore and their lists to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// Resource names a resource of this group, e.g. Resource("filesystembackups").
func Resource(resource string) schema.GroupResource {
	return GroupVersion.WithResource(resource).GroupResource()
}

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&FilesystemBackup{}, &FilesystemBackupList{},
		&FilesystemRestore{}, &FilesystemRestoreList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
