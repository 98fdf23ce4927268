module github.com/csdr-io/velero-plugin-for-alibabacloud/tools

go 1.26.0
