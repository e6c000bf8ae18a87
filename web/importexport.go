package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-isms/bulwark"
	"github.com/bulwark-isms/bulwark/app"
	"github.com/bulwark-isms/bulwark/field"
	"github.com/bulwark-isms/bulwark/tabular"
)

// importOptions reads sheet, header row and column mapping ("Header=field", repeated).
func importOptions(v url.Values) (tabular.Options, error) {
	opts := tabular.Options{Sheet: v.Get("sheet"), Mapping: map[string]string{}}
	if h := v.Get("header_row"); h != "" {
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 {
			return opts, bulwark.Invalid("header_row", "must be a row number such as 3")
		}
		opts.HeaderRow = n
	}
	for _, m := range v["map"] {
		header, field, ok := strings.Cut(m, "=")
		if !ok || strings.TrimSpace(header) == "" {
			return opts, bulwark.Invalid("map", fmt.Sprintf("%q must be written Header=field", m))
		}
		opts.Mapping[header] = field
	}
	return opts, nil
}

// Register describes a register that imports and exports spreadsheets.
type Register struct {
	Kind   string // URL segment and upload kind: assets, risks
	Title  string
	Fields []tabular.Field
	Import func(ctx context.Context, p *bulwark.Principal, t *tabular.Table, dryRun bool) (*app.ImportResult, error)
	Export func(ctx context.Context, p *bulwark.Principal, format string, w io.Writer) error
}

// UploadBody is the request body schema of an import: a spreadsheet file.
var UploadBody = map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}

// readTable parses an uploaded spreadsheet; a bad file is a 422 naming the file.
func readTable(r io.Reader, filename string, fields []tabular.Field, opts tabular.Options) (*tabular.Table, error) {
	t, err := tabular.Read(r, filename, fields, opts)
	var fe *tabular.FormatError
	if errors.As(err, &fe) {
		return nil, bulwark.Invalid("file", fe.Error())
	}
	return t, err
}

// spooledUpload is an uploaded file spooled to a temporary file, with the form's
// other (small) fields.
type spooledUpload struct {
	Name   string
	File   *os.File
	Size   int64
	Fields url.Values
}

// Close removes the temporary file.
func (u *spooledUpload) Close() {
	if u != nil && u.File != nil {
		u.File.Close()
		os.Remove(u.File.Name())
	}
}

// Content reads the whole file, for storing it until the import is confirmed.
func (u *spooledUpload) Content() ([]byte, error) {
	if _, err := u.File.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind upload: %w", err)
	}
	return io.ReadAll(u.File)
}

// Table parses the file.
func (u *spooledUpload) Table(fields []tabular.Field, opts tabular.Options) (*tabular.Table, error) {
	if _, err := u.File.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind upload: %w", err)
	}
	return readTable(u.File, u.Name, fields, opts)
}

// spoolUpload streams the request's file to a temporary file: multipart field
// "file", or the raw body with ?filename=. The size cap (--max-upload) is enforced
// while streaming (413), and nothing of the file is held in memory, so many
// concurrent uploads cost disk, not RAM; parsing is bounded by importSlot.
func (s *Server) spoolUpload(w http.ResponseWriter, r *http.Request) (*spooledUpload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bulwark.Errorf(bulwark.ETOOLARGE, "The file is larger than the %d MB allowed.", s.cfg.MaxUpload>>20)
		}
		return bulwark.Errorf(bulwark.EMALFORMED, "The upload could not be read.")
	}
	spool := func(name string, src io.Reader) (*spooledUpload, error) {
		f, err := os.CreateTemp("", "bulwark-upload-*")
		if err != nil {
			return nil, fmt.Errorf("spool upload: %w", err)
		}
		u := &spooledUpload{Name: filepath.Base(name), File: f, Fields: url.Values{}}
		if u.Size, err = io.Copy(f, src); err != nil {
			u.Close()
			return nil, tooLarge(err)
		}
		return u, nil
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		var u *spooledUpload
		fields := url.Values{}
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				u.Close()
				return nil, tooLarge(err)
			}
			switch {
			case part.FormName() == "file" && u == nil:
				if part.FileName() == "" {
					continue
				}
				if u, err = spool(part.FileName(), part); err != nil {
					return nil, err
				}
			case part.FileName() == "":
				v, err := io.ReadAll(io.LimitReader(part, 64<<10))
				if err != nil {
					u.Close()
					return nil, tooLarge(err)
				}
				fields.Add(part.FormName(), string(v))
			}
		}
		if u == nil {
			return nil, bulwark.Invalid("file", "choose a .xlsx or .csv file to upload")
		}
		u.Fields = fields
		return u, nil
	}
	name := r.URL.Query().Get("filename")
	if name == "" {
		switch mt {
		case "text/csv":
			name = "upload.csv"
		case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
			name = "upload.xlsx"
		default:
			return nil, &bulwark.Error{Code: "unsupported_media", Message: "Send the file as multipart/form-data (field \"file\"), text/csv or XLSX."}
		}
	}
	return spool(name, r.Body)
}

// importSlot waits for one of the few slots in which imports parse files (a parsed
// sheet takes several times its size in memory), and returns its release. After
// a while it gives up with 503 and Retry-After rather than queue without end.
func (s *Server) importSlot(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(s.cfg.ImportWait)
	defer t.Stop()
	select {
	case s.importSlots <- struct{}{}:
		return func() { <-s.importSlots }, nil
	case <-t.C:
		return nil, &bulwark.Error{Code: codeBusy, Message: "The server is busy reading other spreadsheets; try again in a few seconds.", RetryAfter: 5}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// importOutcome names what an import did, for metrics.
func importOutcome(res *app.ImportResult, dryRun bool) string {
	switch {
	case len(res.Errors) > 0:
		return "refused"
	case dryRun:
		return "dry_run"
	}
	return "imported"
}

// importProblem turns row errors into a 422 whose errors name each row.
func importProblem(res *app.ImportResult) error {
	e := &bulwark.Error{Code: bulwark.EINVALID, Message: bulwark.Plural(len(res.Errors), "row error") + "; nothing was imported."}
	for _, re := range res.Errors {
		col := re.Column
		if col == "" {
			col = re.Field
		}
		e.Fields = append(e.Fields, bulwark.FieldError{Field: fmt.Sprintf("row %d: %s", re.Row, col), Message: re.Message})
	}
	return e
}

func (s *Server) APIImport(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.apiImportOf(w, r, reg) }
}

func (s *Server) apiImportOf(w http.ResponseWriter, r *http.Request, reg Register) {
	opts, err := importOptions(r.URL.Query())
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	up, err := s.spoolUpload(w, r)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	defer up.Close()
	release, err := s.importSlot(r.Context())
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	defer release()
	t, err := up.Table(reg.Fields, opts)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	dryRun := r.URL.Query().Get("dry_run") == "true"
	res, err := reg.Import(r.Context(), PrincipalFrom(r), t, dryRun)
	if err != nil {
		s.Problem(w, r, err)
		return
	}
	s.countImport(reg.Kind, importOutcome(res, dryRun))
	if len(res.Errors) > 0 {
		s.Problem(w, r, importProblem(res))
		return
	}
	WriteJSON(w, http.StatusOK, res)
}

func (s *Server) Export(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.exportOf(w, r, reg) }
}

func (s *Server) exportOf(w http.ResponseWriter, r *http.Request, reg Register) {
	p := PrincipalFrom(r)
	format := r.FormValue("format")
	if format == "" {
		format = "xlsx"
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	if ct == "" {
		s.ProblemOrPage(w, r, bulwark.Invalid("format", "must be csv or xlsx"))
		return
	}
	s.Download(w, r, fmt.Sprintf("%s-%s-%s.%s", reg.Kind, p.Org.Slug, time.Now().UTC().Format("20060102"), format), ct,
		func(out io.Writer) error { return reg.Export(r.Context(), p, format, out) })
}

// Download sends what write produces as an attachment named filename. The headers go with the first byte, so
// a write that fails before it has written anything still answers with the error (problem+json or a page);
// one that fails later aborts the response, so that the download fails visibly rather than looking complete.
func (s *Server) Download(w http.ResponseWriter, r *http.Request, filename, contentType string, write func(io.Writer) error) {
	cd := fmt.Sprintf(`attachment; filename="%s"`, filename)
	if strings.ContainsFunc(filename, func(r rune) bool { return r < ' ' || r > '~' || r == '"' || r == '\\' }) {
		// A name outside printable ASCII goes as RFC 2231 filename*=utf-8''….
		if cd = mime.FormatMediaType("attachment", map[string]string{"filename": filename}); cd == "" {
			cd = "attachment"
		}
	}
	w.Header().Set("Content-Disposition", cd)
	lw := &lazyWriter{w: w, contentType: contentType}
	if err := write(lw); err != nil {
		if !lw.started {
			w.Header().Del("Content-Disposition")
			s.ProblemOrPage(w, r, err)
			return
		}
		s.log.Error("download failed", "file", filename, "request_id", RequestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// lazyWriter sends the headers with the first byte, so that a download failing
// before it writes anything can still answer with an error.
type lazyWriter struct {
	w           http.ResponseWriter
	contentType string
	started     bool
}

// Write implements io.Writer.
func (l *lazyWriter) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		l.w.Header().Set("Content-Type", l.contentType)
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(b)
}

func (s *Server) ImportPage(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := &Page{Title: "Import " + reg.Title, Nav: reg.Kind, Data: map[string]any{"Fields": reg.Fields, "Kind": reg.Kind}}
		var created, updated, unchanged int
		if n, err := fmt.Sscanf(r.URL.Query().Get("imported"), "%d-%d-%d", &created, &updated, &unchanged); err == nil && n == 3 {
			pg.Notice = fmt.Sprintf("Imported: %d created, %d updated, %d unchanged.", created, updated, unchanged)
			pg.Data.(map[string]any)["Done"] = true
		}
		s.Render(w, r, http.StatusOK, "import", pg)
	}
}

func (s *Server) ImportUpload(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.importUploadOf(w, r, reg) }
}

func (s *Server) importUploadOf(w http.ResponseWriter, r *http.Request, reg Register) {
	p := PrincipalFrom(r)
	up, err := s.spoolUpload(w, r)
	defer up.Close()
	var content []byte
	if err == nil {
		var release func()
		if release, err = s.importSlot(r.Context()); err == nil {
			_, err = up.Table(reg.Fields, tabular.Options{Sheet: up.Fields.Get("sheet")}) // refuse unreadable files at once
			if err != nil && bulwark.ErrorCode(err) == bulwark.EINVALID && up.Fields.Get("header_row") != "" {
				err = nil // the header row given may fix it; the preview says
			}
			if err == nil {
				content, err = up.Content()
			}
			release()
		}
	}
	if err != nil {
		RetryAfter(w, err)
		s.Render(w, r, s.ErrorStatus(r, err), "import", &Page{Title: "Import " + reg.Title, Nav: reg.Kind, Error: bulwark.ErrorMessage(err), Fields: FieldsOf(err),
			Data: map[string]any{"Fields": reg.Fields, "Kind": reg.Kind}})
		return
	}
	id, err := s.svc.SaveUpload(r.Context(), p, reg.Kind, up.Name, content)
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	v := url.Values{}
	if sh := up.Fields.Get("sheet"); sh != "" {
		v.Set("sheet", sh)
	}
	if h := up.Fields.Get("header_row"); h != "" {
		v.Set("header_row", h)
	}
	http.Redirect(w, r, "/o/"+p.Org.Slug+"/import/"+reg.Kind+"/"+id+"?"+v.Encode(), http.StatusSeeOther)
}

type previewColumn struct {
	Letter, Header, Field string
}

// ImportPreview shows the column mapping, adjustable, and what a dry run would do.
func (s *Server) ImportPreview(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.importStep(w, r, reg, true) }
}

func (s *Server) ImportConfirm(reg Register) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := ParseForm(w, r); err != nil {
			s.RenderError(w, r, err)
			return
		}
		s.importStep(w, r, reg, false)
	}
}

func (s *Server) importStep(w http.ResponseWriter, r *http.Request, reg Register, dryRun bool) {
	p := PrincipalFrom(r)
	u, err := s.svc.Upload(r.Context(), p, reg.Kind, r.PathValue("id"))
	if err != nil {
		s.RenderError(w, r, err)
		return
	}
	values := r.URL.Query()
	if !dryRun {
		values = r.PostForm
	}
	data := map[string]any{"Upload": u, "Fields": reg.Fields, "Kind": reg.Kind, "Title": reg.Title, "Sheet": values.Get("sheet"), "HeaderRow": values.Get("header_row")}
	pg := &Page{Title: "Import " + reg.Title, Nav: reg.Kind, Data: data}
	opts, err := importOptions(values)
	var t *tabular.Table
	if err == nil {
		var release func()
		if release, err = s.importSlot(r.Context()); err == nil {
			defer release() // the import runs in the slot too: it holds the parsed table
			t, err = readTable(bytes.NewReader(u.Content), u.Filename, reg.Fields, opts)
		}
	}
	if err != nil {
		pg.Error, pg.Fields = bulwark.ErrorMessage(err), FieldsOf(err)
		s.Render(w, r, s.ErrorStatus(r, err), "preview", pg)
		return
	}
	var cols []previewColumn
	for _, c := range t.Columns {
		cols = append(cols, previewColumn{Letter: c.Letter(), Header: c.Header, Field: c.Field})
	}
	data["Columns"], data["Table"] = cols, t
	res, err := reg.Import(r.Context(), p, t, dryRun)
	if err != nil {
		pg.Error, pg.Fields = bulwark.ErrorMessage(err), FieldsOf(err)
		s.Render(w, r, s.ErrorStatus(r, err), "preview", pg)
		return
	}
	data["Result"] = res
	s.countImport(reg.Kind, importOutcome(res, dryRun))
	if !dryRun && len(res.Errors) == 0 {
		if err := s.svc.DiscardUpload(r.Context(), p, reg.Kind, u.ID); err != nil {
			// The import is done; the upload row only lingers until the sweep.
			s.log.Warn("discard an imported upload", "err", err, "request_id", RequestID(r))
		}
		// Post/Redirect/Get: the result page is a GET, so a refresh shows the result again instead of
		// confirming an upload that is gone.
		http.Redirect(w, r, fmt.Sprintf("/o/%s/import/%s?imported=%d-%d-%d", url.PathEscape(p.Org.Slug), reg.Kind, res.Created, res.Updated, res.Unchanged), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if len(res.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		pg.Error = bulwark.Plural(len(res.Errors), "problem") + " in the file; nothing will be imported until they are fixed."
	}
	s.Render(w, r, status, "preview", pg)
}

// ImportParams are the query parameters of an import.
var ImportParams = []field.Param{
	{Name: "dry_run", Kind: field.Bool, Help: "true: check and preview, write nothing"},
	{Name: "sheet", Help: "the XLSX sheet to read (default: the first)"},
	{Name: "header_row", Kind: field.Int, Help: "the header's row number (default: detected)"},
	{Name: "map", Help: "Header=field, repeated: read column Header as field (field empty: ignore the column)"},
	{Name: "filename", Help: "the file's name when the body is the raw file (its extension gives the format)"},
}

// ExportParams are the query parameters of a spreadsheet export.
var ExportParams = []field.Param{{Name: "format", Enum: []string{"csv", "xlsx"}, Help: "default xlsx"}}

// SpreadsheetTypes are the media types of a spreadsheet export.
var SpreadsheetTypes = []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

// importResultSchema is the JSON schema of app.ImportResult.
var importResultSchema = func() map[string]any {
	rowError := map[string]any{"type": "object", "required": []string{"row", "message"}, "properties": map[string]any{
		"row": map[string]any{"type": "integer"}, "field": map[string]any{"type": "string", "description": "the field's JSON name"},
		"column":  map[string]any{"type": "string", "description": "the column's header as the file writes it, or the field's label when the file has no such column"},
		"message": map[string]any{"type": "string"}}}
	return map[string]any{"type": "object", "required": []string{"dry_run", "created", "updated", "unchanged", "blank_rows", "rows", "errors", "warnings"},
		"properties": map[string]any{
			"dry_run": map[string]any{"type": "boolean"}, "created": map[string]any{"type": "integer"}, "updated": map[string]any{"type": "integer"},
			"unchanged": map[string]any{"type": "integer"}, "blank_rows": map[string]any{"type": "integer"},
			"rows": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"row": map[string]any{"type": "integer"}, "action": map[string]any{"type": "string", "enum": []string{"create", "update", "unchanged"}},
				"ref": map[string]any{"type": "string"}, "name": map[string]any{"type": "string"}}}},
			"errors": map[string]any{"type": "array", "items": rowError}, "warnings": map[string]any{"type": "array", "items": rowError},
		}}
}()

// ImportRoute is the API route that imports register reg from a spreadsheet.
func (s *Server) ImportRoute(reg Register, perm bulwark.Permission) Route {
	return Route{Method: http.MethodPost, Pattern: "/api/v1/" + reg.Kind + "/import", Perm: perm,
		Summary: "Import " + reg.Title + " from XLSX or CSV (multipart field file, or the raw body with ?filename=); all or nothing, every bad row named",
		Handler: s.APIImport(reg), Body: UploadBody, BodyType: "multipart/form-data", Query: ImportParams, Reply: importResultSchema}
}

// ExportRoute is the API route that exports register reg as a spreadsheet.
func (s *Server) ExportRoute(reg Register, perm bulwark.Permission) Route {
	return Route{Method: http.MethodGet, Pattern: "/api/v1/" + reg.Kind + "/export", Perm: perm,
		Summary: "Export the " + reg.Title + " register as CSV or XLSX", Handler: s.Export(reg), Query: ExportParams, Produces: SpreadsheetTypes}
}
