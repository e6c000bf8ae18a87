package tabular

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// delimiters are the separators a CSV file may use: Excel writes ";" where the decimal separator is a comma.
var delimiters = []rune{',', ';'}

// headerScanRecords is how far down the delimiter detection looks for the header row.
const headerScanRecords = 200

func readCSV(data []byte, b *builder) error {
	data = bytes.TrimPrefix(data, utf8BOM)
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return formatErrorf(0, "The file is UTF-16 text (Excel's \"Unicode Text\"); save it as \"CSV UTF-8\" and try again.")
	}
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalidUTF8(data)], []byte{'\n'})
		return formatErrorf(0, "The file is not UTF-8 text (the first character that is not is on line %d); save it as \"CSV UTF-8\" and try again.", line)
	}
	delim := detectDelimiter(data, b.m, b.opts.HeaderRow)
	return scanCSV(data, delim, func(num int, cells []rawCell) (bool, error) {
		return false, b.add(num, cells)
	})
}

func firstInvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// detectDelimiter picks the delimiter under which the header row matches the most known columns: the header
// line is where a delimiter is certain to appear, whereas title rows may hold none and free text may hold both.
// A tie (no header either way) goes to the delimiter that appears more often on the first non-empty line, so
// that the "no header row" error shows the columns the person expects.
func detectDelimiter(data []byte, m *matcher, headerRow int) rune {
	best, bestScore := rune(0), 0
	for _, d := range delimiters {
		score := 0
		_ = scanCSV(data, d, func(num int, cells []rawCell) (bool, error) {
			if headerRow > 0 {
				if num >= headerRow {
					if num == headerRow {
						score = m.score(cells)
					}
					return true, nil
				}
				return false, nil
			}
			if s := m.score(cells); s >= m.need {
				score = s
				return true, nil
			}
			return num >= headerScanRecords, nil
		})
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	if best != 0 {
		return best
	}
	first := data
	for len(first) > 0 {
		line, rest, _ := bytes.Cut(first, []byte{'\n'})
		if len(bytes.TrimSpace(line)) > 0 {
			first = line
			break
		}
		first = rest
	}
	if bytes.Count(first, []byte{';'}) > bytes.Count(first, []byte{','}) {
		return ';'
	}
	return ','
}

// scanCSV calls fn with every record's number and non-empty cells until fn asks to stop.
//
// Record numbers count blank lines too: encoding/csv skips them silently, but a spreadsheet program shows them as
// rows, and a message must name the row the person sees.
func scanCSV(data []byte, delim rune, fn func(num int, cells []rawCell) (stop bool, err error)) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1 // ragged rows are normal in hand-made files
	r.LazyQuotes = true    // a stray quote in an unquoted field (5" screen) is data, not a reason to refuse the file
	r.ReuseRecord = true
	var (
		num       int
		lineAfter = 1 // line number just after the previous record
		offset    int64
		cells     []rawCell
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &FormatError{Row: num + 1, Message: fmt.Sprintf("The CSV file cannot be read at line %d: %v.", pe.Line, pe.Err), Err: err}
			}
			return &FormatError{Row: num + 1, Message: "The CSV file cannot be read.", Err: err}
		}
		line, _ := r.FieldPos(0)
		if line > lineAfter {
			num += line - lineAfter
		}
		num++
		end := r.InputOffset()
		if end > offset && end <= int64(len(data)) {
			lineAfter += bytes.Count(data[offset:end], []byte{'\n'})
		}
		offset = end
		if lineAfter <= line {
			lineAfter = line + 1 // the last record of a file without a final newline
		}
		cells = cells[:0]
		for i, field := range rec {
			if text := strings.TrimSpace(field); text != "" {
				cells = append(cells, rawCell{col: i, cell: Cell{Text: text}})
			}
		}
		stop, err := fn(num, cells)
		if err != nil || stop {
			return err
		}
	}
}
