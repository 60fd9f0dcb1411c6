package load

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// maxBody bounds a response body; the benchmark's answers are a few KiB.
const maxBody = 1 << 20

// Conn is one keep-alive HTTP/1.1 connection. It is not safe for
// concurrent use.
type Conn struct {
	addr    string
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	body    []byte
}

// Dial returns a Conn to addr (host:port) that connects lazily and
// reconnects after an error; timeout bounds each round trip.
func Dial(addr string, timeout time.Duration) *Conn {
	return &Conn{addr: addr, timeout: timeout}
}

// Close closes the underlying connection, if open.
func (c *Conn) Close() error {
	if c.nc == nil {
		return nil
	}
	err := c.nc.Close()
	c.nc, c.br = nil, nil
	return err
}

func (c *Conn) connect() error {
	nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 16<<10)
	} else {
		c.br.Reset(nc)
	}
	return nil
}

// RoundTrip writes req (a complete HTTP/1.1 request) and reads the
// response. The body is valid until the next call. On any error the
// connection is closed, to be reopened by the next call.
func (c *Conn) RoundTrip(req []byte) (status int, body []byte, err error) {
	if c.nc == nil {
		if err := c.connect(); err != nil {
			return 0, nil, err
		}
	}
	if c.timeout > 0 {
		c.nc.SetDeadline(time.Now().Add(c.timeout))
	}
	status, keep, err := c.exchange(req)
	if err != nil || !keep {
		c.Close()
	}
	if err != nil {
		return 0, nil, err
	}
	return status, c.body, nil
}

func (c *Conn) exchange(req []byte) (status int, keep bool, err error) {
	if _, err := c.nc.Write(req); err != nil {
		return 0, false, fmt.Errorf("write request: %w", err)
	}
	status, err = c.readStatus()
	if err != nil {
		return 0, false, err
	}
	length, chunked, keep, err := c.readHeaders()
	if err != nil {
		return 0, false, err
	}
	if chunked {
		err = c.readChunked()
	} else {
		err = c.readBody(length)
	}
	return status, keep, err
}

func (c *Conn) readStatus() (int, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, fmt.Errorf("read status line: %w", err)
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("malformed status %q", line[9:12])
	}
	return status, nil
}

var (
	hdrContentLength    = []byte("Content-Length")
	hdrTransferEncoding = []byte("Transfer-Encoding")
	hdrConnection       = []byte("Connection")
)

// readHeaders reads the header block and returns the body framing. A
// response without Content-Length or chunked framing is read to EOF.
func (c *Conn) readHeaders() (length int, chunked, keep bool, err error) {
	length, keep = -1, true
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return 0, false, false, fmt.Errorf("read header: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return length, chunked, keep && (length >= 0 || chunked), nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, false, fmt.Errorf("malformed header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, hdrContentLength):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 || length > maxBody {
				return 0, false, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, hdrTransferEncoding):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, hdrConnection):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
}

func (c *Conn) readBody(length int) error {
	if length < 0 {
		b, err := io.ReadAll(io.LimitReader(c.br, maxBody))
		c.body = b
		return err
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	if _, err := io.ReadFull(c.br, c.body); err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	return nil
}

// readChunked reads a chunked body (RFC 9112 §7.1), ignoring extensions
// and trailers.
func (c *Conn) readChunked() error {
	c.body = c.body[:0]
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("read chunk size: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		line, _, _ = bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil || len(c.body)+int(n) > maxBody {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if n == 0 {
			return c.skipTrailers()
		}
		start := len(c.body)
		c.body = append(c.body, make([]byte, n)...)
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return fmt.Errorf("read chunk: %w", err)
		}
		if _, err := c.br.Discard(2); err != nil {
			return fmt.Errorf("read chunk end: %w", err)
		}
	}
}

func (c *Conn) skipTrailers() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("read trailer: %w", err)
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

// ErrExhausted is returned by a Source that has no more requests to give
// (a pool of single-use authorization codes ran out); its worker stops.
var ErrExhausted = errors.New("request source exhausted")
