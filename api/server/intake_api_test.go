package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/report/calendar"
)

// apiDo sends body with contentType as user key, with the user's CSRF
// token in X-CSRF-Token, and returns the status and the body.
func apiDo(t *testing.T, f *webFixture, key, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if sess, ok := f.sessions[key]; ok {
		req.AddCookie(&http.Cookie{Name: "pantau_session", Value: sess.token})
		req.Header.Set("X-CSRF-Token", sess.csrf)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// intakeCSV is the seed office's intake, 35 KK, 30 Akta Kelahiran and 15
// Surat Keterangan each working day of cal from from to to.
func intakeCSV(cal *calendar.Calendar, from, to calendar.Date, kk, akta, suket int) string {
	var b strings.Builder
	b.WriteString("date,type,received,completed\n")
	for d := from; !d.After(to); d = d.AddDays(1) {
		if !cal.IsWorkingDay(d) {
			continue
		}
		fmt.Fprintf(&b, "%s,KK,%d,\n%s,AKTA-LAHIR,%d,\n%s,SUKET,%d,\n", d, kk, d, akta, d, suket)
	}
	return b.String()
}

func TestIntakeCSVWithErrorsNamesEveryLineAndColumnAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	file := strings.Join([]string{
		"date,type,received,completed",
		"2026-11-25,KK,35,",           // 2: fine
		"2026-13-01,KK,35,",           // 3: no such date
		"2026-11-25,KTP-X,10,",        // 4: no such type
		"2026-11-26,KK,-3,",           // 5: negative
		"2026-11-28,KK,5,",            // 6: a Saturday: no counter hours
		"2026-11-26,AKTA-LAHIR,4,abc", // 7: completed not a number
		"2026-11-25,KK,1,",            // 8: KK on the 25th again
		"2026-12-02,KK,1,",            // 9: tomorrow in WITA
		"2026-11-27,SUKET,7,2",        // 10: fine
	}, "\n") + "\n"
	status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv", []byte(file))
	if status != http.StatusBadRequest {
		t.Fatalf("status %d: %s", status, body)
	}
	var got struct {
		Errors []struct {
			Line, Column int
			Field        string
		}
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, e := range got.Errors {
		where = append(where, fmt.Sprintf("%d:%d:%s", e.Line, e.Column, e.Field))
	}
	want := "3:1:date 4:2:type 5:3:received 6:1:date 7:4:completed 8:2:type 9:1:date"
	if strings.Join(where, " ") != want {
		t.Fatalf("errors at %v, want %s\n%s", where, want, body)
	}
	_, list := apiDo(t, f, "staff71", "GET", "/api/v1/offices/73.71/intake?from=2026-11-01&to=2026-12-01", "", nil)
	if !strings.Contains(string(list), `"intake":[]`) {
		t.Fatalf("a refused file wrote intake: %s", list)
	}
}

func TestIntakeJSONAndCSVWriteAndReplace(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv",
		[]byte("date,type,received\n2026-11-30,KK,12\n2026-11-30,KIA,3\n"))
	if status != http.StatusOK || !strings.Contains(string(body), `"written":2`) {
		t.Fatalf("csv: %d %s", status, body)
	}
	put := `{"intake":[{"date":"2026-11-30","type":"KK","received":14,"completed":9}]}`
	if status, body := apiDo(t, f, "staff71", "PUT", "/api/v1/offices/73.71/intake", "application/json", []byte(put)); status != http.StatusOK {
		t.Fatalf("put: %d %s", status, body)
	}
	tests := []struct {
		name, body, field string
	}{
		{"unknown type", `{"intake":[{"date":"2026-11-30","type":"NOPE","received":1}]}`, "intake[0].type"},
		{"sunday", `{"intake":[{"date":"2026-11-30","type":"KK","received":1},{"date":"2026-11-29","type":"KK","received":1}]}`, "intake[1].date"},
		{"too many", `{"intake":[{"date":"2026-11-30","type":"KK","received":10001}]}`, "intake[0].received"},
		{"unknown field", `{"intake":[{"date":"2026-11-30","type":"KK","count":1}]}`, "body"},
		{"received null", `{"intake":[{"date":"2026-11-30","type":"KK","received":null}]}`, "body"},
		{"received missing", `{"intake":[{"date":"2026-11-30","type":"KK"}]}`, "body"},
		{"before 2000", `{"intake":[{"date":"1900-01-01","type":"KK","received":1}]}`, "intake[0].date"},
		{"NUL in type", `{"intake":[{"date":"2026-11-30","type":"K\u0000K","received":1}]}`, "intake[0].type"},
	}
	for _, tc := range tests {
		status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake", "application/json", []byte(tc.body))
		if status != http.StatusBadRequest || !strings.Contains(string(body), `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.name, status, body, tc.field)
		}
	}
	_, list := apiDo(t, f, "city71", "GET", "/api/v1/offices/73.71/intake?from=2026-11-30&to=2026-11-30", "", nil)
	var got struct {
		Intake []struct {
			Type      string
			Received  int
			Completed *int
		}
	}
	if err := json.Unmarshal(list, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Intake) != 2 || got.Intake[0].Type != "KIA" || got.Intake[1].Type != "KK" || got.Intake[1].Received != 14 ||
		got.Intake[1].Completed == nil || *got.Intake[1].Completed != 9 {
		t.Fatalf("intake %s", list)
	}
	// Another office's staff cannot write here, nor read it as a city official.
	if status, _ := apiDo(t, f, "staff72", "PUT", "/api/v1/offices/73.71/intake", "application/json", []byte(put)); status != http.StatusNotFound {
		t.Fatalf("staff72 wrote 73.71's intake: %d", status)
	}
	if status, _ := apiDo(t, f, "city72", "GET", "/api/v1/offices/73.71/intake", "", nil); status != http.StatusNotFound {
		t.Fatalf("city72 read 73.71's intake: %d", status)
	}
}

// An intake upload over the limit is 413, as text or as a form; a file of
// bad lines lists the first 100 errors and counts them all.
func TestIntakeCSVUploadBounds(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	big := bytes.Repeat([]byte("2026-11-30,KK,1\n"), 10<<20/16)
	if status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv", big); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MB as text/csv: %d %.200s", status, body)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "intake.csv")
	fw.Write(big)
	mw.Close()
	if status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", mw.FormDataContentType(), form.Bytes()); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("10 MB as a form: %d %.200s", status, body)
	}
	bad := bytes.Repeat([]byte("x,,y\n"), 1<<20/5)
	status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv", bad)
	var got struct {
		Errors     []json.RawMessage `json:"errors"`
		ErrorCount int               `json:"error_count"`
	}
	if err := json.Unmarshal(body, &got); err != nil || status != http.StatusBadRequest {
		t.Fatalf("1 MB of bad lines: %d %v %.300s", status, err, body)
	}
	if len(got.Errors) != 100 || got.ErrorCount != 3*(1<<20/5) || len(body) > 64<<10 {
		t.Fatalf("listed %d of %d errors in %d bytes; want 100 of %d in under 64 KB", len(got.Errors), got.ErrorCount, len(body), 3*(1<<20/5))
	}
}
