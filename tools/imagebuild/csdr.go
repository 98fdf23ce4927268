package imagebuild

// Source is the repository the images are built from, in every image's labels.
const Source = "https://github.com/csdr-io/velero-plugin-for-alibabacloud"

// nonroot is distroless's "nonroot" user, numeric because the images have no /etc/passwd: the kubelet
// checks runAsNonRoot against it.
const nonroot = "65532:65532"

// Plugin is the image `velero install --plugins` takes. Velero runs it as an init container with its
// plugin directory (an emptyDir) at /target; the copier puts only the plugin there, because Velero would
// try to start any other executable it finds in that directory.
var Plugin = Image{
	Name: "velero-plugin-for-alibabacloud",
	Binaries: []Binary{
		{Package: "./plugins/cmd/velero-plugin-for-alibabacloud", Path: "/plugins/velero-plugin-for-alibabacloud"},
		{Package: "./plugins/cmd/cp-plugin", Path: "/plugins/cp-plugin"},
	},
	Entrypoint: []string{"/plugins/cp-plugin"},
	Cmd:        []string{"/plugins/velero-plugin-for-alibabacloud", "/target"},
	User:       nonroot,
	Labels: labels("velero-plugin-for-alibabacloud",
		"Velero plugins for Alibaba Cloud: OSS backup storage, ECS disk snapshots, migration item actions"),
}

// Controller is csdr-controller's image. Its binary carries its own CA roots, so it needs no base.
var Controller = Image{
	Name:       "csdr-controller",
	Binaries:   []Binary{{Package: "./controller/cmd/csdr-controller", Path: "/csdr-controller"}},
	Entrypoint: []string{"/csdr-controller"},
	User:       nonroot,
	Labels: labels("csdr-controller",
		"Drives Alibaba Cloud Backup (HBR) for the filesystem volumes of Velero backups and restores"),
}

// Images are the images a release ships.
var Images = []Image{Plugin, Controller}

func labels(title, description string) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":       title,
		"org.opencontainers.image.description": description,
		"org.opencontainers.image.source":      Source,
		"org.opencontainers.image.licenses":    "Apache-2.0",
	}
}
