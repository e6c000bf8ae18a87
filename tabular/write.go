package tabular

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Writer writes rows to a file, streaming: memory stays flat however many rows are written.
//
// The first Write is the header row; every later row must have as many values. Values may be string, []string
// (joined with " | "), bool, any integer or float type, time.Time or *time.Time, fmt.Stringer, or nil for an
// empty cell. Strings are neutralised with Neutralise. Close finishes the file; it does not close the
// underlying io.Writer.
type Writer interface {
	Write(row []any) error
	Close() error
}

// Header returns the export header for fields: their JSON names, in order, derived fields included.
func Header(fields []Field) []any {
	h := make([]any, len(fields))
	for i, f := range fields {
		h[i] = f.Name
	}
	return h
}

var errClosed = errors.New("tabular: write after Close")

// rowCheck enforces the shape of the rows written, shared by both writers.
type rowCheck struct {
	width  int
	rows   int
	closed bool
}

func (c *rowCheck) next(row []any) error {
	switch {
	case c.closed:
		return errClosed
	case c.rows == 0 && len(row) == 0:
		return errors.New("tabular: the header row is empty")
	case c.rows > 0 && len(row) != c.width:
		return fmt.Errorf("tabular: row %d has %d values, the header has %d", c.rows+1, len(row), c.width)
	}
	if c.rows == 0 {
		c.width = len(row)
	}
	c.rows++
	return nil
}

// NewCSVWriter returns a Writer of comma-separated UTF-8 text (no byte order mark). Strings are neutralised,
// a time.Time is written as an ISO 8601 date (2006-01-02) when it is at midnight UTC and as RFC 3339 otherwise,
// a bool as true or false, numbers as digits, and nil as an empty field.
func NewCSVWriter(w io.Writer) Writer {
	return &csvWriter{w: csv.NewWriter(w)}
}

type csvWriter struct {
	w      *csv.Writer
	check  rowCheck
	record []string
}

func (cw *csvWriter) Write(row []any) error {
	if err := cw.check.next(row); err != nil {
		return err
	}
	cw.record = cw.record[:0]
	for i, v := range row {
		s, err := csvText(v)
		if err != nil {
			return fmt.Errorf("tabular: row %d, column %s: %w", cw.check.rows, ColumnLetter(i), err)
		}
		cw.record = append(cw.record, s)
	}
	if err := cw.w.Write(cw.record); err != nil {
		return fmt.Errorf("tabular: writing CSV row %d: %w", cw.check.rows, err)
	}
	return nil
}

func (cw *csvWriter) Close() error {
	if cw.check.closed {
		return nil
	}
	cw.check.closed = true
	cw.w.Flush()
	if err := cw.w.Error(); err != nil {
		return fmt.Errorf("tabular: writing CSV: %w", err)
	}
	return nil
}

// csvText writes one value as CSV text.
func csvText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return checkedText(Neutralise(v))
	case []string:
		return checkedText(Neutralise(JoinMulti(v)))
	case bool:
		return strconv.FormatBool(v), nil
	case time.Time:
		return isoText(v), nil
	case *time.Time:
		if v == nil {
			return "", nil
		}
		return isoText(*v), nil
	case int:
		return strconv.FormatInt(int64(v), 10), nil
	case int8:
		return strconv.FormatInt(int64(v), 10), nil
	case int16:
		return strconv.FormatInt(int64(v), 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint8:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint16:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case float32:
		return floatText(float64(v))
	case float64:
		return floatText(v)
	case fmt.Stringer:
		return checkedText(Neutralise(v.String()))
	}
	return "", fmt.Errorf("cannot write a %T", v)
}

func floatText(f float64) (string, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", fmt.Errorf("cannot write %v as a number", f)
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// checkedText refuses text longer than a cell may hold, so that every export can be imported again.
func checkedText(s string) (string, error) {
	if len(s) > MaxCellChars && utf8.RuneCountInString(s) > MaxCellChars {
		return "", fmt.Errorf("the text is %d characters long; a cell holds at most %d", utf8.RuneCountInString(s), MaxCellChars)
	}
	return s, nil
}

// NewXLSXWriter returns a Writer of an Excel workbook with one sheet, named sheet (made valid for Excel if need
// be), written through excelize's StreamWriter. The header row is bold and frozen, with an auto-filter over the
// columns; column widths follow the header and the first rows. Strings are neutralised, numbers are number
// cells, bools are boolean cells, and a time.Time is a real date cell formatted yyyy-mm-dd (yyyy-mm-dd hh:mm:ss
// when it has a time of day). Close writes the file to w.
func NewXLSXWriter(w io.Writer, sheet string) Writer {
	return &xlsxWriter{w: w, sheet: sheetName(sheet)}
}

// NewXLSXWriterWithPreamble is NewXLSXWriter with lines above the header: a document's own description (whose
// it is, which revision, when exported), each a row of label and value. The header row after them is the one
// frozen and filtered; readers find it as the first row of known column names.
func NewXLSXWriterWithPreamble(w io.Writer, sheet string, preamble [][2]string) Writer {
	return &xlsxWriter{w: w, sheet: sheetName(sheet), preamble: preamble}
}

// widthSample is how many rows are held back to size the columns: excelize needs the widths before the first
// row is streamed, and a sample keeps memory flat.
const widthSample = 100

type xlsxWriter struct {
	w        io.Writer
	sheet    string
	check    rowCheck
	f        *excelize.File
	sw       *excelize.StreamWriter
	bold     int
	date     int
	dateTime int
	held     [][]any // converted rows waiting for the column widths
	widths   []int
	preamble [][2]string // label and value lines above the header
	err      error       // first failure: the file cannot be finished after it
}

// sheetName makes a name Excel accepts: at most 31 characters, none of : \ / ? * [ ], not starting or ending
// with an apostrophe.
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) || r < ' ' {
			return '-'
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), "'")
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	if s == "" {
		return "Sheet1"
	}
	return s
}

func (xw *xlsxWriter) start() error {
	xw.f = excelize.NewFile()
	if err := xw.f.SetSheetName("Sheet1", xw.sheet); err != nil {
		return fmt.Errorf("tabular: naming the sheet %q: %w", xw.sheet, err)
	}
	var err error
	if xw.bold, err = xw.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return fmt.Errorf("tabular: header style: %w", err)
	}
	dateFmt, dateTimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
	if xw.date, err = xw.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return fmt.Errorf("tabular: date style: %w", err)
	}
	if xw.dateTime, err = xw.f.NewStyle(&excelize.Style{CustomNumFmt: &dateTimeFmt}); err != nil {
		return fmt.Errorf("tabular: date-time style: %w", err)
	}
	if xw.sw, err = xw.f.NewStreamWriter(xw.sheet); err != nil {
		return fmt.Errorf("tabular: starting the sheet: %w", err)
	}
	return nil
}

func (xw *xlsxWriter) Write(row []any) error {
	if xw.err != nil {
		return xw.err
	}
	if err := xw.check.next(row); err != nil {
		return err
	}
	if xw.f == nil {
		if err := xw.start(); err != nil {
			xw.err = err
			return err
		}
		xw.widths = make([]int, len(row))
	}
	cells := make([]any, len(row))
	for i, v := range row {
		c, width, err := xw.cell(v)
		if err != nil {
			return fmt.Errorf("tabular: row %d, column %s: %w", xw.check.rows, ColumnLetter(i), err)
		}
		if xw.check.rows == 1 {
			if styled, ok := c.(excelize.Cell); ok {
				styled.StyleID = xw.bold // a date in the header: bold wins over the date format
				c = styled
			} else {
				c = excelize.Cell{StyleID: xw.bold, Value: c}
			}
			width += 2 // room for the filter button
		}
		cells[i] = c
		if xw.held != nil || xw.check.rows == 1 {
			xw.widths[i] = max(xw.widths[i], width)
		}
	}
	if xw.check.rows <= widthSample {
		xw.held = append(xw.held, cells)
		return nil
	}
	if err := xw.flushHeld(); err != nil {
		return err
	}
	return xw.setRow(xw.check.rows, cells)
}

// cell converts a value to what excelize writes, and the width it needs in characters.
func (xw *xlsxWriter) cell(v any) (any, int, error) {
	switch v := v.(type) {
	case nil:
		return nil, 0, nil
	case *time.Time:
		if v == nil {
			return nil, 0, nil
		}
		return xw.cell(*v)
	case time.Time:
		// Excel dates have no time zone: write the UTC wall clock, which Read gives back.
		t := v.UTC()
		wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
		if wall.Hour() == 0 && wall.Minute() == 0 && wall.Second() == 0 {
			return excelize.Cell{StyleID: xw.date, Value: wall}, 10, nil
		}
		return excelize.Cell{StyleID: xw.dateTime, Value: wall}, 19, nil
	case bool:
		return v, 5, nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v, len(fmt.Sprint(v)), nil
	case float32:
		return xw.cell(float64(v))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("cannot write %v as a number", v)
		}
		return v, len(strconv.FormatFloat(v, 'g', 10, 64)), nil
	}
	s, err := csvText(v) // strings, []string and Stringers: neutralised text
	if err != nil {
		return nil, 0, err
	}
	if s == "" {
		return nil, 0, nil
	}
	width := 0
	for _, line := range strings.Split(s, "\n") {
		width = max(width, utf8.RuneCountInString(line))
	}
	return s, width, nil
}

func (xw *xlsxWriter) setRow(n int, cells []any) error {
	ref, err := excelize.CoordinatesToCellName(1, n+len(xw.preamble)+xw.gap())
	if err == nil {
		err = xw.sw.SetRow(ref, cells)
	}
	if err != nil {
		xw.err = fmt.Errorf("tabular: writing XLSX row %d: %w", n, err)
		return xw.err
	}
	return nil
}

// flushHeld sets the column widths and the frozen header, which excelize needs before the first row, then
// streams the rows held back so far.
func (xw *xlsxWriter) flushHeld() error {
	if xw.held == nil {
		return nil
	}
	// Right to left: excelize puts each new <col> before the ones it has, and Excel wants them in column order.
	for i := len(xw.widths) - 1; i >= 0; i-- {
		// Sensible bounds: narrow columns stay readable, long descriptions do not push the rest off screen.
		width := float64(min(max(xw.widths[i]+2, 8), 60))
		if err := xw.sw.SetColWidth(i+1, i+1, width); err != nil {
			xw.err = fmt.Errorf("tabular: column width: %w", err)
			return xw.err
		}
	}
	header := len(xw.preamble) + xw.gap() + 1
	first := fmt.Sprintf("A%d", header+1)
	err := xw.sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: header, TopLeftCell: first, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: first, ActiveCell: first, Pane: "bottomLeft"}},
	})
	if err != nil {
		xw.err = fmt.Errorf("tabular: freezing the header: %w", err)
		return xw.err
	}
	for i, line := range xw.preamble {
		label, err := checkedText(line[0])
		if err == nil {
			var value string
			if value, err = checkedText(line[1]); err == nil {
				err = xw.sw.SetRow(fmt.Sprintf("A%d", i+1), []any{excelize.Cell{StyleID: xw.bold, Value: Neutralise(label)}, Neutralise(value)})
			}
		}
		if err != nil {
			xw.err = fmt.Errorf("tabular: writing the preamble: %w", err)
			return xw.err
		}
	}
	for i, cells := range xw.held {
		if err := xw.setRow(i+1, cells); err != nil {
			return err
		}
	}
	xw.held = nil
	return nil
}

func (xw *xlsxWriter) Close() error {
	if xw.check.closed {
		return xw.err
	}
	xw.check.closed = true
	if xw.err != nil {
		xw.cleanup()
		return xw.err
	}
	if xw.f == nil {
		return errors.New("tabular: no header row was written")
	}
	defer xw.cleanup()
	if err := xw.flushHeld(); err != nil {
		return err
	}
	offset := len(xw.preamble) + xw.gap()
	last, err := excelize.CoordinatesToCellName(xw.check.width, xw.check.rows+offset)
	if err != nil {
		return fmt.Errorf("tabular: filter range: %w", err)
	}
	// The stream writer has no auto-filter of its own; setting it on the workbook before Flush puts it in the
	// streamed sheet, without loading the sheet back into memory.
	if err := xw.f.AutoFilter(xw.sheet, fmt.Sprintf("A%d:%s", offset+1, last), nil); err != nil {
		return fmt.Errorf("tabular: auto-filter: %w", err)
	}
	if err := xw.sw.Flush(); err != nil {
		return fmt.Errorf("tabular: finishing the sheet: %w", err)
	}
	if _, err := xw.f.WriteTo(xw.w); err != nil {
		return fmt.Errorf("tabular: writing XLSX: %w", err)
	}
	return nil
}

// gap is the blank row between a preamble and the header.
func (xw *xlsxWriter) gap() int {
	if len(xw.preamble) > 0 {
		return 1
	}
	return 0
}

// cleanup removes excelize's temporary files.
func (xw *xlsxWriter) cleanup() {
	if xw.f != nil {
		_ = xw.f.Close()
	}
}
