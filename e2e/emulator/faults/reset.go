package faults

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
)

// unknownLengthRead is how much of a chunked request body ResetRequest consumes: enough that the client
// is surely mid-upload when the connection dies.
const unknownLengthRead = 64 << 10

// ResetRequest reads about half of the request body and then hard-closes the connection with a TCP RST, the
// way a dying load balancer or a flaky NAT does. The client sees a connection reset, never a response.
func ResetRequest(w http.ResponseWriter, r *http.Request) error {
	half := int64(unknownLengthRead)
	if r.ContentLength >= 0 {
		half = r.ContentLength / 2
	}
	if r.Body != nil && half > 0 {
		// A read error only means the client gave up first; the reset below still applies.
		_, _ = io.CopyN(io.Discard, r.Body, half)
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fmt.Errorf("hijack connection for reset: %w", err)
	}
	return hardClose(conn)
}

// ResetResponse sends the status line, header and about half of a size-byte body, then hard-closes the
// connection with a TCP RST. The header advertises the full Content-Length so the client notices only
// when the body stops short.
func ResetResponse(w http.ResponseWriter, status int, header http.Header, body io.Reader, size int64) error {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return fmt.Errorf("hijack connection for reset: %w", err)
	}
	defer func() { _ = hardClose(conn) }() // the reset is the point; nobody is left to report a close error to
	h := header.Clone()
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	h.Del("Transfer-Encoding")
	if err := writeHead(rw.Writer, status, h); err != nil {
		return err
	}
	if _, err := io.CopyN(rw.Writer, body, size/2); err != nil {
		return fmt.Errorf("write partial body: %w", err)
	}
	return rw.Writer.Flush()
}

func writeHead(w *bufio.Writer, status int, h http.Header) error {
	if _, err := fmt.Fprintf(w, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status)); err != nil {
		return fmt.Errorf("write status line: %w", err)
	}
	if err := h.Write(w); err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if _, err := io.WriteString(w, "\r\n"); err != nil {
		return fmt.Errorf("write header end: %w", err)
	}
	return nil
}

// hardClose closes with SO_LINGER=0, which makes the kernel send RST instead of FIN: the peer gets
// ECONNRESET rather than a clean EOF it might mistake for the end of a message.
func hardClose(conn net.Conn) error {
	if l, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = l.SetLinger(0)
	}
	return conn.Close()
}
