package load

import (
	"encoding/base64"
	"net/url"
	"strconv"
)

// Header is one request header.
type Header struct{ Name, Value string }

// AppendRequest appends an HTTP/1.1 request to buf. A non-nil body is
// sent with its Content-Length.
func AppendRequest(buf []byte, method, path, host string, headers []Header, body []byte) []byte {
	buf = append(buf, method...)
	buf = append(buf, ' ')
	buf = append(buf, path...)
	buf = append(buf, " HTTP/1.1\r\nHost: "...)
	buf = append(buf, host...)
	buf = append(buf, "\r\n"...)
	for _, h := range headers {
		buf = append(buf, h.Name...)
		buf = append(buf, ": "...)
		buf = append(buf, h.Value...)
		buf = append(buf, "\r\n"...)
	}
	if body != nil {
		buf = append(buf, "Content-Length: "...)
		buf = strconv.AppendInt(buf, int64(len(body)), 10)
		buf = append(buf, "\r\n"...)
	}
	buf = append(buf, "\r\n"...)
	return append(buf, body...)
}

// BasicAuth is an Authorization header for client_secret_basic (RFC 6749
// §2.3.1: the form-encoded id and secret, base64 of "id:secret").
func BasicAuth(id, secret string) Header {
	return Header{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))}
}

// FormContentType is the header of a form-encoded body.
var FormContentType = Header{"Content-Type", "application/x-www-form-urlencoded"}
