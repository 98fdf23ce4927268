package objectstore

import "io"

// veleroChunk is the size of the messages Velero's gRPC client streams an object in (byteChunkSize in
// velero/pkg/plugin/framework/object_store_client.go).
const veleroChunk = 16 << 10

// chunkedReads asks Velero's stream for at most one message at a time. Velero's StreamReadCloser
// answers a Read(p) only once it has gathered len(p) bytes in a bytes.Buffer: the OSS client filling
// an 8 MiB part with one read made it grow that buffer to 8 MiB, part after part, and copy every byte
// into it and out again. A message at a time keeps its buffer at one message.
type chunkedReads struct{ r io.Reader }

func (c chunkedReads) Read(p []byte) (int, error) {
	if len(p) > veleroChunk {
		p = p[:veleroChunk]
	}
	return c.r.Read(p)
}
