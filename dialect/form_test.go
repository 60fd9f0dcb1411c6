package dialect

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tokenmint/tokenmint/oauth"
)

func formRequest(contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return r
}

func TestDecodeFormMultipart(t *testing.T) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("grant_type", "client_credentials")
	mw.WriteField("client_id", "153")
	mw.Close()
	form, err := DecodeForm(httptest.NewRecorder(), formRequest(mw.FormDataContentType(), b.String()), 1<<10)
	if err != nil || form.Get("grant_type") != "client_credentials" || form.Get("client_id") != "153" || len(form) != 2 {
		t.Fatalf("DecodeForm = %v, %v", form, err)
	}
	r := formRequest(mw.FormDataContentType(), b.String())
	r.URL.RawQuery = "client_secret=x"
	if _, err := DecodeForm(httptest.NewRecorder(), r, 1<<10); err == nil {
		t.Error("parameters in the query string were accepted")
	}
}

// FuzzDecodeForm: whatever the multipart body, DecodeForm answers a 4xx
// invalid_request or exactly the fields multipart.Reader.ReadForm reads,
// with no file among them, no field twice, and at most MultipartMemory
// bytes of values.
func FuzzDecodeForm(f *testing.F) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.SetBoundary("b0undary")
	mw.WriteField("grant_type", "client_credentials")
	mw.WriteField("client_id", "153")
	fw, _ := mw.CreateFormFile("f", "a.txt")
	fw.Write([]byte("x"))
	mw.Close()
	for _, s := range []string{
		b.String(),
		"--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0undary--\r\n",
		"--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b0undary--\r\n",
		"--b0undary\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b0undary--\r\n",
		"--b0undary\r\nContent-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db\r\n--b0undary--\r\n",
		"--b0undary\r\n\r\n--b0undary--",
		"garbage",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		const ct = "multipart/form-data; boundary=b0undary"
		got, err := DecodeForm(httptest.NewRecorder(), formRequest(ct, body), 4<<10)
		if err != nil {
			if oe, ok := oauth.As(err); !ok || oe.Code != oauth.InvalidRequest || oe.HTTPStatus() < 400 || oe.HTTPStatus() >= 500 {
				t.Fatalf("error %v, want a 4xx invalid_request", err)
			}
			return
		}
		ref, err := multipart.NewReader(strings.NewReader(body), "b0undary").ReadForm(1 << 20)
		if err != nil {
			t.Fatalf("accepted %q, which ReadForm refuses: %v", body, err)
		}
		defer ref.RemoveAll()
		if len(ref.File) > 0 {
			t.Fatalf("accepted file parts %v", ref.File)
		}
		size := 0
		for name, v := range ref.Value {
			if len(v) != 1 || got.Get(name) != v[0] {
				t.Fatalf("field %q = %q, ReadForm reads %q", name, got[name], v)
			}
			size += len(v[0])
		}
		if len(got) != len(ref.Value) || size > MultipartMemory {
			t.Fatalf("decoded %v, ReadForm reads %v (%d bytes)", got, ref.Value, size)
		}
		if _, err := url.ParseQuery(got.Encode()); err != nil {
			t.Fatal(err)
		}
	})
}
