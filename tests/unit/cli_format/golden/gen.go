// Command gen writes golden_cases.inc: expected outputs for the cli/format unit tests, produced by real Go
// (text/template, fmt, text/tabwriter, encoding/json) and by docker/go-units v0.4.0, the versions docker
// 20.10 on Debian 12 is built with. The tests do not need Go; rerun this only to change the cases:
//
//	apt-get install golang-go golang-github-docker-go-units-dev
//	cd tests/unit/cli_format/golden && GO111MODULE=off GOPATH=/usr/share/gocode go run gen.go > ../golden_cases.inc
//
// Not covered on purpose (Skiff differs): slicing past len(x) up to cap(x) (Go's cap depends on how the JSON
// decoder grew the slice; Skiff's cap is the length) and complex constants (an error in Skiff).
//
// Data is decoded the way the C++ side models it: JSON integers are int (uint64 above int64), other numbers
// float64, arrays of strings []string, objects of strings map[string]string, everything else
// []interface{} / map[string]interface{}.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	units "github.com/docker/go-units"
)

// Docker's cli/templates functions (docker 20.10 semantics).
var dockerFuncs = template.FuncMap{
	"json": func(v interface{}) string {
		buf := &bytes.Buffer{}
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		return strings.TrimSpace(buf.String())
	},
	"split": strings.Split,
	"join":  strings.Join,
	"title": strings.Title,
	"lower": strings.ToLower,
	"upper": strings.ToUpper,
	"pad": func(s string, prefix, suffix int) string {
		if s == "" {
			return s
		}
		return strings.Repeat(" ", prefix) + s + strings.Repeat(" ", suffix)
	},
	"truncate": func(s string, n int) string {
		if len(s) < n {
			return s
		}
		return s[:n]
	},
}

var headerFuncs = template.FuncMap{
	"json":     func(v string) string { return v },
	"split":    func(v string, _ string) string { return v },
	"join":     func(v string, _ string) string { return v },
	"title":    func(v string) string { return v },
	"lower":    func(v string) string { return v },
	"upper":    func(v string) string { return v },
	"truncate": func(v string, _ int) string { return v },
}

func convert(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return int(i)
		}
		if u, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return u
		}
		f, _ := x.Float64()
		return f
	case []interface{}:
		all := true
		for i := range x {
			x[i] = convert(x[i])
			if _, ok := x[i].(string); !ok {
				all = false
			}
		}
		if all {
			s := make([]string, len(x))
			for i := range x {
				s[i] = x[i].(string)
			}
			return s
		}
		return x
	case map[string]interface{}:
		all := true
		for k := range x {
			x[k] = convert(x[k])
			if _, ok := x[k].(string); !ok {
				all = false
			}
		}
		if all {
			m := make(map[string]string, len(x))
			for k := range x {
				m[k] = x[k].(string)
			}
			return m
		}
		return x
	}
	return v
}

func decode(data string) interface{} {
	if data == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(data))
	dec.UseNumber()
	var v interface{}
	if err := dec.Decode(&v); err != nil {
		panic(fmt.Sprintf("bad data %q: %v", data, err))
	}
	return convert(v)
}

// C++ string literal (SV macro gives it a length, so NULs survive).
func lit(s string) string {
	var b strings.Builder
	b.WriteString("SV(\"")
	hex := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		isHexDigit := (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
		if hex && isHexDigit {
			b.WriteString("\" \"")
		}
		hex = false
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString("\\n")
		case c == '\t':
			b.WriteString("\\t")
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "\\x%02x", c)
			hex = true
		}
	}
	b.WriteString("\")")
	return b.String()
}

type tmplCase struct {
	t, d   string
	mk     string // "", "zero", "error"
	header bool
}

func runTemplate(c tmplCase) (string, string) {
	tm, err := template.New("").Funcs(dockerFuncs).Parse(c.t)
	if err != nil {
		return "", err.Error()
	}
	if c.mk != "" {
		tm = tm.Option("missingkey=" + c.mk)
	}
	if c.header {
		tm = tm.Funcs(headerFuncs)
	}
	var buf bytes.Buffer
	err = tm.Execute(&buf, decode(c.d))
	if err != nil {
		return buf.String(), err.Error()
	}
	return buf.String(), ""
}

type tabCase struct {
	minwidth, tabwidth, padding int
	padchar                     byte
	flags                       uint
	writes                      []string
}

func runTab(c tabCase) string {
	var buf bytes.Buffer
	w := tabwriter.NewWriter(&buf, c.minwidth, c.tabwidth, c.padding, c.padchar, c.flags)
	for _, s := range c.writes {
		w.Write([]byte(s))
	}
	w.Flush()
	return buf.String()
}

// Docker's formatter.Context.Write for one list of rows (cli/command/formatter/formatter.go, 20.10).
func runFormat(format string, header string, rows []string) (string, string) {
	final := format
	table := strings.HasPrefix(format, "table")
	if table {
		final = final[len("table"):]
	}
	final = strings.Trim(final, " ")
	final = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(final)
	tm, err := template.New("").Funcs(dockerFuncs).Parse(final)
	if err != nil {
		return "", err.Error()
	}
	var body bytes.Buffer
	for _, r := range rows {
		if err := tm.Execute(&body, decode(r)); err != nil {
			return "", err.Error()
		}
		body.WriteString("\n")
	}
	var out bytes.Buffer
	if table {
		t := tabwriter.NewWriter(&out, 10, 1, 3, ' ', 0)
		var h bytes.Buffer
		tm.Funcs(headerFuncs).Execute(&h, decode(header))
		h.WriteTo(t)
		t.Write([]byte("\n"))
		body.WriteTo(t)
		t.Flush()
	} else {
		body.WriteTo(&out)
	}
	return out.String(), ""
}

func main() {
	w := os.Stdout
	fmt.Fprintln(w, "// Generated by tests/unit/cli_format/golden/gen.go with Go's text/template, fmt, tabwriter and")
	fmt.Fprintln(w, "// docker/go-units v0.4.0. Do not edit; change the cases there and regenerate.")
	fmt.Fprintln(w, "// NOLINTBEGIN")

	fmt.Fprintln(w, "inline const TmplGolden kTmplGolden[] = {")
	for _, c := range templateCases() {
		out, err := runTemplate(c)
		mk := map[string]int{"": 0, "zero": 1, "error": 2}[c.mk]
		fmt.Fprintf(w, "    {%s, %s, %d, %v, %s, %s},\n", lit(c.t), lit(c.d), mk, c.header, lit(out), lit(err))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const TabGolden kTabGolden[] = {")
	for _, c := range tabCases() {
		var ws []string
		for _, s := range c.writes {
			ws = append(ws, lit(s))
		}
		for len(ws) < 4 {
			ws = append(ws, "SV(\"\")")
		}
		fmt.Fprintf(w, "    {%d, %d, %d, %d, %du, %d, {%s}, %s},\n", c.minwidth, c.tabwidth, c.padding, c.padchar,
			c.flags, len(c.writes), strings.Join(ws, ", "), lit(runTab(c)))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const FormatGolden kFormatGolden[] = {")
	for _, c := range formatCases() {
		out, err := runFormat(c.format, c.header, c.rows)
		var rs []string
		for _, r := range c.rows {
			rs = append(rs, lit(r))
		}
		for len(rs) < 3 {
			rs = append(rs, "SV(\"\")")
		}
		fmt.Fprintf(w, "    {%s, %s, %d, {%s}, %s, %s},\n", lit(c.format), lit(c.header), len(c.rows),
			strings.Join(rs, ", "), lit(out), lit(err))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const SizeGolden kSizeGolden[] = {")
	for _, f := range sizeInputs() {
		fmt.Fprintf(w, "    {%s, %s, %s, %s, %s},\n", strconv.FormatFloat(f, 'g', -1, 64)+floatSuffix(f),
			lit(units.HumanSize(f)), lit(units.HumanSizeWithPrecision(f, 3)), lit(units.BytesSize(f)),
			lit(units.CustomSize("%.2f %s", f, 1000, []string{"B", "K", "M", "G"})))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const ParseGolden kParseGolden[] = {")
	for _, s := range parseInputs() {
		d, derr := units.FromHumanSize(s)
		r, rerr := units.RAMInBytes(s)
		fmt.Fprintf(w, "    {%s, %s, %s, %s, %s},\n", lit(s), i64(d), lit(errString(derr)), i64(r), lit(errString(rerr)))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const DurationGolden kDurationGolden[] = {")
	for _, d := range durationInputs() {
		fmt.Fprintf(w, "    {%dLL, %s},\n", int64(d), lit(units.HumanDuration(d)))
	}
	fmt.Fprintln(w, "};")

	fmt.Fprintln(w, "inline const FloatGolden kFloatGolden[] = {")
	for _, f := range floatInputs() {
		for _, spec := range []struct {
			fmt  byte
			prec int
		}{{'g', -1}, {'e', -1}, {'f', -1}, {'g', 3}, {'e', 2}, {'f', 2}, {'g', 0}, {'G', 10}, {'E', 0}} {
			fmt.Fprintf(w, "    {%s, '%c', %d, %s},\n", strconv.FormatFloat(f, 'g', -1, 64)+floatSuffix(f), spec.fmt,
				spec.prec, lit(strconv.FormatFloat(f, spec.fmt, spec.prec, 64)))
		}
	}
	fmt.Fprintln(w, "};")
	fmt.Fprintln(w, "// NOLINTEND")
}

func floatSuffix(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.ContainsAny(s, ".en") {
		return ""
	}
	return ".0"
}

// A C++ long long literal (the minimum has no literal of its own).
func i64(v int64) string {
	if v == -9223372036854775808 {
		return "(-9223372036854775807LL - 1)"
	}
	return fmt.Sprintf("%dLL", v)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func sizeInputs() []float64 {
	return []float64{0, 1, 999, 1000, 1023, 1024, 1025, 1500, 5200, 99999, 999999, 1000000, 1234567, 9999999,
		123456789, 1e9, 1.5e9, 3.75e12, 1e15, 1e18, 2.5e21, 1e24, 1e27, 1e30, 0.5, 512, 4096, 1048576,
		1572864, 1073741824, 5e11, 123.456, 1e3 - 1e-9, 10239, 10240, 1e6 - 1, 65536, 42000000}
}

func parseInputs() []string {
	return []string{"32", "32b", "32B", "32k", "32K", "32kb", "32Kb", "32Mb", "32Gb", "32Tb", "32Pb", "32PB",
		"32P", "32 mb", "32 MiB", "32mib", "1.5GB", "0.5k", "1.1m", "6m", "512k", "1g", "10i", "10ib", "1x",
		"", " 5", "5 ", "-1", ".5m", "1.", "1.2.3", "1_000k", "1e3", "12 ", "1  k", "999999999999999999999",
		"3.14 kB", "1024KiB", "7ZB"}
}

func durationInputs() []time.Duration {
	s, m, h := time.Second, time.Minute, time.Hour
	day := 24 * h
	return []time.Duration{-s, 0, 999 * time.Millisecond, s, 1500 * time.Millisecond, 2 * s, 59 * s,
		59*s + 999*time.Millisecond, 60 * s, 119 * s, 2 * m, 59 * m, 59*m + 59*s, 60 * m, 89 * m, 90 * m,
		91 * m, 2 * h, 47 * h, 47*h + 29*m, 47*h + 31*m, 48 * h, 13 * day, 14 * day, 20 * day, 59 * day,
		60 * day, 364 * day, 729 * day, 730 * day, 3 * 365 * day, 10 * 365 * day}
}

func floatInputs() []float64 {
	return []float64{0, 1, -1, 1.5, 0.1, 100, 1e6, 123456789, 1e21, 1e-7, 0.000123, 2.5, 0.125, 1e100,
		3.141592653589793, -0.0001, 999999.5, 5e-324, 1.7976931348623157e308, 12345.6789}
}

type formatCase struct {
	format, header string
	rows           []string
}

func formatCases() []formatCase {
	ps := `{"ID":"CONTAINER ID","Image":"IMAGE","Command":"COMMAND","Names":"NAMES","Status":"STATUS","Ports":"PORTS","Labels":"LABELS","Size":"SIZE"}`
	c1 := `{"ID":"3f4e5d6c7b8a","Image":"busybox","Command":"\"sh\"","Names":"web","Status":"Up 5 minutes","Ports":"","Labels":"a=b","Size":"0B"}`
	c2 := `{"ID":"0123456789ab","Image":"nginx:latest","Command":"\"nginx -g 'daemon off;'\"","Names":"very_long_container_name","Status":"Exited (0) 2 hours ago","Ports":"80/tcp","Labels":"","Size":"1.09kB"}`
	img := `{"Repository":"REPOSITORY","Tag":"TAG","ID":"IMAGE ID","CreatedSince":"CREATED","Size":"SIZE"}`
	i1 := `{"Repository":"busybox","Tag":"latest","ID":"beae173ccac6","CreatedSince":"2 years ago","Size":"1.24MB"}`
	i2 := `{"Repository":"<none>","Tag":"<none>","ID":"0123456789ab","CreatedSince":"3 weeks ago","Size":"133MB"}`
	return []formatCase{
		{`table {{.ID}}\t{{.Names}}`, ps, []string{c1, c2}},
		{`table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}`, ps, []string{c1, c2}},
		{`{{.Repository}}:{{.Tag}}`, img, []string{i1, i2}},
		{`table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`, img, []string{i1, i2}},
		{`table {{.ID}}\t{{.Names}}`, ps, nil},
		{`{{.ID}}`, ps, nil},
		{`table`, ps, []string{c1}},
		{`  {{.Names}}  `, ps, []string{c1, c2}},
		{`{{.Names}}\t{{.Status}}`, ps, []string{c1, c2}},
		{`{{.Names}}\n{{.ID}}`, ps, []string{c1}},
		{`table {{upper .Names}}\t{{lower .Status}}`, ps, []string{c1, c2}},
		{`table {{json .Names}}\t{{pad .Image 1 2}}|`, ps, []string{c1, c2}},
		{`table {{.Names}}\t{{.Missing}}`, ps, []string{c1}},
		{`table {{.Names}}\t{{json .Missing}}\t{{.ID}}`, ps, []string{c1}},
		{`table {{truncate .ID 4}}\t{{join (split .Names "_") "-"}}`, ps, []string{c1, c2}},
		{`table {{.ID}}\t{{.Names`, ps, []string{c1}},
		{`{{.ID}} {{.Bad.Field}}`, ps, []string{c1}},
		{`table {{.Labels}}\t{{.Size}}`, ps, []string{c1, c2}},
		{`tablex{{.ID}}`, ps, []string{c1}},
		{`{{json .}}`, ps, []string{c1}},
	}
}

func tabCases() []tabCase {
	return []tabCase{
		{10, 1, 3, ' ', 0, []string{"CONTAINER ID\tNAMES\n3f4e5d6c7b8a\tweb\n"}},
		{0, 8, 1, '.', 0, []string{"a\tb\tc\naa\tbbb\tcccc\naaa\t\n"}},
		{0, 8, 1, ' ', tabwriter.AlignRight, []string{"a\tb\tc\t\naa\tbbb\tcccc\t\n"}},
		{0, 8, 1, ' ', tabwriter.Debug, []string{"a\tb\tc\naa\tbbb\tcccc\n"}},
		{0, 8, 1, '\t', 0, []string{"a\tb\tc\naa\tbbb\tcccc\n"}},
		{5, 0, 2, ' ', 0, []string{"x\ty\nlonger cell\tz\n\nnew\tblock\n"}},
		{0, 4, 1, '-', tabwriter.DiscardEmptyColumns, []string{"a\t\tb\nc\t\td\n"}},
		{0, 4, 1, '-', 0, []string{"a\t\tb\nc\t\td\n"}},
		{0, 4, 1, ' ', tabwriter.TabIndent, []string{"\t\tindented\tx\n\tless\ty\n"}},
		{2, 8, 1, ' ', 0, []string{"héllo\twörld\n日本語\tx\n"}},
		{0, 8, 1, ' ', 0, []string{"a\tb", "\nccc\td\n", "no newline at end"}},
		{0, 8, 1, ' ', 0, []string{"a\vb\tc\naaaa\vb\tc\n"}},
		{0, 8, 1, ' ', tabwriter.Debug, []string{"a\tb\fc\td\n"}},
		{0, 8, 1, ' ', tabwriter.FilterHTML, []string{"<b>bold</b>\tx\n&amp;\ty\nplain\tz\n"}},
		{0, 8, 1, ' ', tabwriter.StripEscape, []string{"\xffa\tb\xff\tc\nd\te\n"}},
		{0, 8, 1, ' ', 0, []string{"\xffa\tb\xff\tc\nd\te\n"}},
		{10, 1, 3, ' ', 0, []string{"ID\tNAME\tX\n1\tlong name here\t\n22\tn\tvalue\n"}},
		{10, 1, 3, ' ', 0, []string{""}},
		{10, 1, 3, ' ', 0, []string{"\n\n"}},
		{0, 8, 1, ' ', tabwriter.AlignRight | tabwriter.Debug, []string{"1\t22\t333\n4444\t5\t6\n"}},
	}
}

func templateCases() []tmplCase {
	state := `{"State":{"Status":"running","Running":true,"Pid":1234,"ExitCode":0,"StartedAt":"2024-01-01T00:00:00Z","Health":null},"Name":"/web","Id":"abc123","Config":{"Env":["A=1","B=2"],"Labels":{"com.example":"yes","a":"b"},"Cmd":["sh","-c","echo hi"],"Image":"busybox"},"Mounts":[{"Type":"bind","Source":"/src","Destination":"/dst","RW":true},{"Type":"volume","Source":"/var/lib/v","Destination":"/data","RW":false}],"NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.2"},"other":{"IPAddress":"10.0.0.5"}}},"Size":1.5,"Big":1000000,"Float":1e6,"Neg":-7,"Empty":[],"EmptyMap":{},"Mixed":[1,"a",true,null,2.5],"Nested":[[1,2],[3]]}`
	m := `{"a":1,"b":"two","c":[1,2,3],"d":{"x":"y"},"e":null,"f":true,"g":false,"h":0,"i":"","s":"héllo wörld","n":2.5}`
	cases := []tmplCase{
		// text, actions, trimming, comments
		{`hello`, `{}`, "", false},
		{``, `{}`, "", false},
		{`{{.Name}}`, state, "", false},
		{`{{.State.Pid}}`, state, "", false},
		{`{{.State.Running}} {{.State.ExitCode}}`, state, "", false},
		{`{{.Size}} {{.Big}} {{.Float}} {{.Neg}}`, state, "", false},
		{`a {{- " b " -}} c`, `{}`, "", false},
		{"a  \n {{- .a}}\n\n  {{- .b -}}  \n z", m, "", false},
		{`x{{/* comment */}}y`, `{}`, "", false},
		{"x {{- /* c */ -}} y", `{}`, "", false},
		{`{{.}}`, m, "", false},
		{`{{.}}`, `"str"`, "", false},
		{`{{.}}`, `42`, "", false},
		{`{{.}}`, `null`, "", false},
		{`{{.}}`, `[1,"a",null]`, "", false},
		{`{{.Config}}`, state, "", false},
		{`{{.Mounts}}`, state, "", false},
		{`{{.Mixed}}`, state, "", false},
		{`{{.Nested}}`, state, "", false},
		{`{{.Empty}} {{.EmptyMap}}`, state, "", false},
		{`{{.State.Health}}`, state, "", false},
		{`{{.missing}}`, m, "", false},
		{`{{.e}}`, m, "", false},
		{`{{.missing.deeper}}`, m, "", false},
		{`{{.e.x}}`, m, "", false},
		{`{{.b.x}}`, m, "", false},
		{`{{.Config.Labels.a}}`, state, "", false},
		{`{{.Config.Labels.zzz}}`, state, "", false},
		// missingkey option
		{`{{.missing}}`, m, "zero", false},
		{`{{.missing.x}}`, m, "zero", false},
		{`{{.Config.Labels.zzz}}|`, state, "zero", false},
		{`{{.missing}}`, m, "error", false},
		{`{{.a}} {{.missing.x}}`, m, "error", false},
		{`{{.e.x}}`, m, "error", false},
		// variables
		{`{{$x := .a}}{{$x}}`, m, "", false},
		{`{{$x := 1}}{{$x = 2}}{{$x}}`, `{}`, "", false},
		{`{{$}}`, `{"k":"v"}`, "", false},
		{`{{with .d}}{{$.b}} {{.x}}{{end}}`, m, "", false},
		{`{{$x := .d}}{{$x.x}}`, m, "", false},
		{`{{$x := .e}}{{$x.y}}`, m, "", false},
		{`{{$x = 1}}`, `{}`, "", false},
		{`{{$undefined}}`, `{}`, "", false},
		{`{{if true}}{{$v := 1}}{{end}}{{$v}}`, `{}`, "", false},
		// pipelines, parens
		{`{{.b | printf "%s!"}}`, m, "", false},
		{`{{.a | printf "%d-%s" 5}}`, m, "", false},
		{`{{(.d).x}}`, m, "", false},
		{`{{(index .Mounts 1).Destination}}`, state, "", false},
		{`{{print (len .c) (len .b)}}`, m, "", false},
		{`{{"a" | "b"}}`, `{}`, "", false},
		{`{{. | 1}}`, `{}`, "", false},
		{`{{1 2}}`, `{}`, "", false},
		{`{{nil}}`, `{}`, "", false},
		{`{{.a 1}}`, m, "", false},
		{`{{1 | .a}}`, m, "", false},
		// literals
		{`{{"quoted \"s\" \t \u00e9 \x41 \101"}}`, `{}`, "", false},
		{"{{`raw \\n string`}}", `{}`, "", false},
		{`{{1}} {{-2}} {{+3}} {{1.5}} {{1e3}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1_000}} {{'a'}} {{'\n'}}`, `{}`, "", false},
		{`{{1.0}} {{1e21}} {{0x1p4}} {{.5}} {{2.}}`, `{}`, "", false},
		{`{{true}} {{false}}`, `{}`, "", false},
		{`{{printf "%T %T %T %T %T" 1 1.5 "s" true 'x'}}`, `{}`, "", false},
		{`{{99999999999999999999}}`, `{}`, "", false},
		{`{{18446744073709551615}}`, `{}`, "", false},
		{`{{08}}`, `{}`, "", false},
		{`{{1a}}`, `{}`, "", false},
		{`{{"\q"}}`, `{}`, "", false},
		{`{{'ab'}}`, `{}`, "", false},
		// if / else if / else
		{`{{if .f}}yes{{else}}no{{end}}`, m, "", false},
		{`{{if .g}}yes{{else}}no{{end}}`, m, "", false},
		{`{{if .h}}1{{else if .i}}2{{else if .c}}3{{else}}4{{end}}`, m, "", false},
		{`{{if .e}}a{{else}}b{{end}} {{if .missing}}a{{else}}b{{end}} {{if .d}}a{{end}} {{if .Empty}}a{{else}}b{{end}}`, m + ``, "", false},
		{`{{if and .a .b}}{{and .a .b}}{{end}} {{or .h .i .g}} {{or .h .b}} {{and .a .h .b}}`, m, "", false},
		{`{{not .a}} {{not .h}} {{not .e}} {{not .missing}} {{not .c}}`, m, "", false},
		{`{{if 1.5}}f{{end}}{{if 0.0}}z{{end}}{{if ""}}e{{end}}{{if "x"}}s{{end}}`, `{}`, "", false},
		{`{{and}}`, `{}`, "", false},
		{`{{if}}{{end}}`, `{}`, "", false},
		// range
		{`{{range .c}}[{{.}}]{{end}}`, m, "", false},
		{`{{range $i, $v := .c}}{{$i}}={{$v}} {{end}}`, m, "", false},
		{`{{range $k, $v := .}}{{$k}}:{{$v}};{{end}}`, m, "", false},
		{`{{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}} {{end}}`, state, "", false},
		{`{{range $n, $c := .NetworkSettings.Networks}}{{$n}}={{$c.IPAddress}} {{end}}`, state, "", false},
		{`{{range .Empty}}x{{else}}empty{{end}} {{range .missing}}x{{else}}none{{end}} {{range .EmptyMap}}{{else}}em{{end}}`, state, "", false},
		{`{{range .c}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}`, m, "", false},
		{`{{range .c}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}`, m, "", false},
		{`{{range $v := .c}}{{$v}}{{end}}`, m, "", false},
		{`{{range .b}}x{{end}}`, m, "", false},
		{`{{range .a}}x{{end}}`, m, "", false},
		{`{{range .Mixed}}<{{.}}>{{end}}`, state, "", false},
		{`{{range .Config.Env}}{{.}},{{end}}`, state, "", false},
		{`{{range .Nested}}{{range .}}{{.}}{{end}};{{end}}`, state, "", false},
		{`{{range $i, $e := .Config.Cmd}}{{if $i}} {{end}}{{$e}}{{end}}`, state, "", false},
		{`{{break}}`, `{}`, "", false},
		{`{{range .c}}{{else}}{{break}}{{end}}`, m, "", false},
		{`{{range $a, $b, $c := .c}}{{end}}`, m, "", false},
		{`{{range $a, 1 := .c}}{{end}}`, m, "", false},
		{`{{with $a, $b := .c}}{{end}}`, m, "", false},
		// with
		{`{{with .d}}{{.x}}{{end}}`, m, "", false},
		{`{{with .missing}}x{{else}}none{{end}}`, m, "", false},
		{`{{with $x := .b}}{{$x}}{{.}}{{end}}`, m, "", false},
		// define / template / block
		{`{{define "T"}}[{{.}}]{{end}}{{template "T" .a}}{{template "T" "x"}}`, m, "", false},
		{`{{define "T"}}T{{end}}{{template "T"}}`, `{}`, "", false},
		{`{{template "nope"}}`, `{}`, "", false},
		{`{{block "B" .b}}<{{.}}>{{end}}`, m, "", false},
		{`{{define "T"}}{{.missing.x.y}}{{end}}{{template "T" .}}`, m, "", false},
		{`{{define "T"}}a{{end}}{{define "T"}}b{{end}}`, `{}`, "", false},
		{`{{define "T"}}{{end}}{{define "T"}}b{{end}}{{template "T"}}`, `{}`, "", false},
		{`{{define "T"}}{{len 1}}{{end}}{{template "T"}}`, `{}`, "", false},
		// builtins: len, index, slice
		{`{{len .c}} {{len .b}} {{len .d}} {{len .s}} {{len .Empty}}`, m + "", "", false},
		{`{{len .a}}`, m, "", false},
		{`{{len .e}}`, m, "", false},
		{`{{len .missing}}`, m, "", false},
		{`{{index .c 0}} {{index .c 2}} {{index .d "x"}} {{index . "b"}} {{index "abc" 1}}`, m, "", false},
		{`{{index .d "nope"}}|{{index .Config.Labels "nope"}}|{{index .Config.Labels "a"}}`, state, "", false},
		{`{{index .Nested 0 1}} {{index .NetworkSettings.Networks "bridge" "IPAddress"}}`, state, "", false},
		{`{{index .c 3}}`, m, "", false},
		{`{{index .c 5}}`, m, "", false},
		{`{{index .c -1}}`, m, "", false},
		{`{{index .c "x"}}`, m, "", false},
		{`{{index .d 1}}`, m, "", false},
		{`{{index .a 0}}`, m, "", false},
		{`{{index .e 0}}`, m, "", false},
		{`{{index .missing 0}}`, m, "", false},
		{`{{index "abc" 3}}`, `{}`, "", false},
		{`{{index .c .h}}`, m, "", false},
		{`{{index .c nil}}`, m, "", false},
		{`{{index .}}`, m, "", false},
		{`{{slice .c 1}} {{slice .c 1 2}} {{slice .b 1}} {{slice .s 0 5}} {{slice .c}}`, m, "", false},
		{`{{slice .Config.Env 1}} {{slice .Mixed 1 3}}`, state, "", false},
		{`{{slice .c 2 1}}`, m, "", false},
		{`{{slice .b 0 1 2}}`, m, "", false},
		{`{{slice .c 0 1 2}}`, m, "", false},
		{`{{slice .c 0 1 2 3}}`, m, "", false},
		{`{{slice .a 0}}`, m, "", false},
		{`{{slice .c .h}}`, m, "", false},
		{`{{slice .missing 0}}`, m, "", false},
		// comparisons
		{`{{eq 1 1}} {{eq 1 2}} {{eq "a" "a"}} {{eq .a 1}} {{eq .b "two"}} {{eq .a 2 3 1}} {{eq .f true}}`, m, "", false},
		{`{{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt "a" "b"}} {{lt 1.5 2.5}}`, `{}`, "", false},
		{`{{eq .State.ExitCode 0}} {{eq .State.Status "running" "exited"}}`, state, "", false},
		{`{{eq .e .missing}} {{eq .e nil}} {{eq .missing nil}} {{eq .a .missing}}`, m, "", false},
		{`{{eq 1 1.0}}`, `{}`, "", false},
		{`{{eq .a "1"}}`, m, "", false},
		{`{{eq .c .c}}`, m, "", false},
		{`{{eq .c .d}}`, m, "", false},
		{`{{eq .a}}`, m, "", false},
		{`{{lt true false}}`, `{}`, "", false},
		{`{{lt .c 1}}`, m, "", false},
		{`{{lt 1 "a"}}`, `{}`, "", false},
		{`{{ne 1}}`, `{}`, "", false},
		{`{{gt .n 2.0}} {{le .n 2.5}} {{ge .a 1}}`, m, "", false},
		{`{{eq (index "a" 0) 97}} {{lt (index "a" 0) 98}} {{eq -1 (index "a" 0)}}`, `{}`, "", false},
		// print family
		{`{{print 1 2 "a" "b" 3 .f .e .missing}}`, m, "", false},
		{`{{println 1 "a" .c}}`, m, "", false},
		{`{{print}}|{{println}}|{{printf "x"}}`, `{}`, "", false},
		{`{{printf "%d|%5d|%-5d|%05d|%x|%X|%o|%O|%b|%c|%q|%U|%#U|%+d|% d" 42 42 42 42 255 255 8 8 5 65 65 65 65 42 42}}`, `{}`, "", false},
		{`{{printf "%s|%10s|%-10s|%.2s|%q|%x|% x|%#x|%X|%v|%#v|%5.1s|" "héllo" "hi" "hi" "héllo" "a\"b" "hi" "hi" "hi" "hi" "hi" "hi" "abc"}}`, `{}`, "", false},
		{`{{printf "%v|%.2f|%e|%E|%g|%G|%8.3f|%-8.2f|%+.1f|%08.2f|% .3e|%#g|%#.3g|%.0f|%F" 1.5 3.14159 123456.789 0.000123 1e21 1e-7 3.14159 2.5 2.25 -3.5 1234.5 1.0 2.5 2.5 1.25}}`, `{}`, "", false},
		{`{{printf "%t|%v|%5t|%d" true false true true}}`, `{}`, "", false},
		{`{{printf "%v|%+v|%#v|%T" .c .d .Mixed .Mixed}}`, state + "", "", false},
		{`{{printf "%v|%#v|%T|%v|%#v" .Config.Env .Config.Env .Config.Env .Config.Labels .Config.Labels}}`, state, "", false},
		{`{{printf "%#v|%#v|%#v|%#v" .Mounts 1.5 "s" .State.Health}}`, state, "", false},
		{`{{printf "%d %s" .c .c}}`, m, "", false},
		{`{{printf "%d" .d}}`, m, "", false},
		{`{{printf "%d"}}|{{printf "%d %d" 1}}|{{printf "%d" 1 2}}|{{printf "%!"}}|{{printf "%z" 1}}|{{printf "%"}}`, `{}`, "", false},
		{`{{printf "%[2]d %[1]d|%[3]d|%[x]d|%*d|%-*d|%.*f|%*d" 1 2 3 5 7 2 3.14159 "a" 1}}`, `{}`, "", false},
		{`{{printf "%s %v %d" nil .e .missing}}`, m, "", false},
		{`{{printf "%5v|%-6v|%x" .c .b .c}}`, m, "", false},
		{`{{printf "%q %v %x %c" 0x1F600 'x' 'A' 0x4E16}}`, `{}`, "", false},
		{`{{printf "%v %s" .Big .Float}}`, state, "", false},
		{`{{printf "%6.2f%%" 12.3456}}`, `{}`, "", false},
		{`{{printf "%.3s|%.10q|%+q|%#q|%#q" "日本語日本語" "aaaaaaaaaaaaaaaa" "日本" "back" "with` + "`" + `tick"}}`, `{}`, "", false},
		{`{{printf 1}}`, `{}`, "", false},
		{`{{printf .a}}`, m, "", false},
		// escapers
		{`{{html "<a href=\"x\">'&'</a>"}}|{{html .c}}|{{html .missing}}|{{html 1 "x" 2}}`, m, "", false},
		{`{{js "it's \"q\" <b> & = \\ \n é"}}|{{js .c}}`, m, "", false},
		{`{{urlquery "a b&c=d/é?"}}|{{urlquery .c 1}}`, m, "", false},
		{`{{call .a}}`, m, "", false},
		{`{{call .missing}}`, m, "", false},
		// Docker functions
		{`{{json .}}`, m, "", false},
		{`{{json .Config}}|{{json .Mixed}}|{{json .e}}|{{json .missing}}|{{json .Size}}|{{json .Float}}`, state, "", false},
		{`{{json "<a & b> \u2028 \u0001 \t é"}}`, `{}`, "", false},
		{`{{json 1e21}} {{json 1e-7}} {{json 0.000001}} {{json 123456789.0}} {{json -0.0}} {{json 1e20}}`, `{}`, "", false},
		{`{{json .State}}`, state, "", false},
		{`{{split "a,b,,c" ","}}|{{split "" ","}}|{{split "abc" ""}}|{{len (split "a:b" ":")}}`, `{}`, "", false},
		{`{{join .Config.Env ","}}|{{join (split "a b c" " ") "+"}}|{{join .Empty "x"}}`, state, "", false},
		{`{{join .c ","}}`, m, "", false},
		{`{{join .missing ","}}|`, m, "", false},
		{`{{join "abc" ","}}`, `{}`, "", false},
		{`{{title "hello world-foo_bar o'neil"}}|{{lower "HeLLo ÀÉ"}}|{{upper "hello àé ß"}}`, `{}`, "", false},
		{`{{pad "x" 2 3}}|{{pad "" 2 3}}|{{pad .b 0 1}}|`, m, "", false},
		{`{{pad "x" -1 0}}`, `{}`, "", false},
		{`{{truncate "abcdef" 3}}|{{truncate "ab" 3}}|{{truncate "abc" 3}}|{{truncate "héllo" 2}}|{{truncate .b 0}}|`, m, "", false},
		{`{{truncate "abc" -1}}`, `{}`, "", false},
		{`{{truncate "abc" 1.5}}`, `{}`, "", false},
		{`{{truncate "abc" .n}}`, m, "", false},
		{`{{truncate "abc" .a}}`, m, "", false},
		{`{{upper .a}}`, m, "", false},
		{`{{upper .e}}`, m, "", false},
		{`{{upper .missing}}`, m, "", false},
		{`{{upper 1}}`, `{}`, "", false},
		{`{{upper}}`, `{}`, "", false},
		{`{{upper "a" "b"}}`, `{}`, "", false},
		{`{{"x" | upper}} {{.b | upper | printf "%s!"}} {{.c | len}}`, m, "", false},
		{`{{lower .Name | truncate 3}}`, state, "", false},
		{`{{split .b}}`, m, "", false},
		// header functions (table headers)
		{`{{upper .Names}}\t{{json .ID}}\t{{truncate .ID 2}}\t{{pad .Names 1 1}}|{{split .Names "x"}}`, `{"Names":"NAMES","ID":"CONTAINER ID"}`, "", true},
		{`{{.Names}}\t{{json .Missing}}\t{{.ID}}`, `{"Names":"NAMES","ID":"CONTAINER ID"}`, "", true},
		// parse errors
		{`{{.a`, `{}`, "", false},
		{`{{.a}`, `{}`, "", false},
		{"{{if .a}}\nx", `{}`, "", false},
		{`{{end}}`, `{}`, "", false},
		{`{{else}}`, `{}`, "", false},
		{`{{if .a}}x{{else}}y{{else}}z{{end}}`, `{}`, "", false},
		{`{{foo}}`, `{}`, "", false},
		{`{{foo .a}}`, `{}`, "", false},
		{`{{.a | foo}}`, `{}`, "", false},
		{`{{"unterminated}}`, `{}`, "", false},
		{"{{`raw}}", `{}`, "", false},
		{`{{'x}}`, `{}`, "", false},
		{`{{/* unclosed comment}}`, `{}`, "", false},
		{`{{/* c */ .a}}`, `{}`, "", false},
		{`{{(.a}}`, `{}`, "", false},
		{`{{.a)}}`, `{}`, "", false},
		{`{{.a ^ .b}}`, `{}`, "", false},
		{"{{.a \x01}}", `{}`, "", false},
		{`{{.a.}}`, `{}`, "", false},
		{`{{a:b}}`, `{}`, "", false},
		{`{{$x := }}`, `{}`, "", false},
		{`{{}}`, `{}`, "", false},
		{`{{ }}`, `{}`, "", false},
		{`{{range}}{{end}}`, `{}`, "", false},
		{`{{with}}{{end}}`, `{}`, "", false},
		{`{{template}}`, `{}`, "", false},
		{`{{template .a}}`, `{}`, "", false},
		{`{{define "x" 1}}{{end}}`, `{}`, "", false},
		{`{{define "x"}}`, `{}`, "", false},
		{`{{"a".b}}`, `{}`, "", false},
		{`{{1.x}}`, `{}`, "", false},
		{`{{true.x}}`, `{}`, "", false},
		{`{{nil.x}}`, `{}`, "", false},
		{`{{(nil).x}}`, `{}`, "", false},
		{`{{.a | .b}}`, `{}`, "", false},
		{`{{.a | "x"}}`, `{}`, "", false},
		{`{{.a .b | 1}}`, `{}`, "", false},
		{"line1\nline2 {{.a\n.b", `{}`, "", false},
		{"line1\n{{if .a}}\n{{.b}}\n{{end}}{{end}}", `{}`, "", false},
		{`{{$x := 1}}{{$x.y.z}}`, `{}`, "", false},
		{`{{.a.b.c}}`, `{"a":{"b":{"c":"deep"}}}`, "", false},
		{`{{.x.y}}`, `{"x":"s"}`, "", false},
		{`{{.x.y}}`, `{"x":null}`, "", false},
		{"a\nb {{.x.y.z}}", `{"x":{"y":1}}`, "", false},
		{`{{.}}{{.x}}`, `[1,2]`, "", false},
		{`{{.x}}`, `"s"`, "", false},
		{`{{.x}}`, `null`, "", false},
		{`{{.x}}`, `null`, "error", false},
		{`{{with .a}}{{.b}}{{end}}`, `{"a":[1]}`, "", false},
		{`{{index . 1}}`, `[10,20,30]`, "", false},
		{`{{range .}}{{.}} {{end}}`, `["b","a"]`, "", false},
		{`{{range .}}{{.}} {{end}}`, `{"b":1,"a":2,"c":[]}`, "", false},
		{`{{.u}} {{printf "%T %x" .u .u}}`, `{"u":18446744073709551615}`, "", false},
		{`{{.f}} {{.g}} {{.z}}`, `{"f":0.1,"g":1e-7,"z":0.0}`, "", false},
		{`{{printf "%v %v %v %v" 100000.0 1000000.0 1e20 123456789012.0}}`, `{}`, "", false},
		{`{{/* c */}}`, `{}`, "", false},
		{`{{- /* c */ -}}`, `{}`, "", false},
		{`{{-3}} {{- 3}} {{3 -}} {{- -3 -}}`, `{}`, "", false},
		{`{{.a}}{{.a}}`, `{"a":"é"}`, "", false},
		{`{{printf "%q|%+q|%q|%q|%x" .s .s .c .u .s}}`, `{"s":"tab\there\u0001\u00ad\u2028é😀","c":"\u007f","u":"\u00a0x"}`, "", false},
		{`{{js .s}}|{{html .s}}|{{urlquery .s}}|{{json .s}}`, `{"s":"\u2028 \u00ad é\u0000<"}`, "", false},
		{`{{printf "%c|%U|%#U|%q" 0x110000 0x1F600 0x7f 0xD800}}`, `{}`, "", false},
		{`{{printf "%08.3f|%-08d|%+08d|%x|%X|% x" -3.14159 42 42 -255 "héllo" "ab"}}`, `{}`, "", false},
		{`{{printf "%6.2v|%.3v|%10.4g|%-10.3e|" 3.14159 "abcdef" 123.456 0.00012345}}`, `{}`, "", false},
		{`{{printf "%v %d %s" .m .m .m}}`, `{"m":{"k":"v","a":"b"}}`, "", false},
		{`{{printf "%#v %T" .m .m}}`, `{"m":{"k":"v","a":"b"}}`, "", false},
		{`{{title "ünïcode wörds"}}|{{upper "ǆ"}}|{{lower "ÀÖ"}}`, `{}`, "", false},
		{`{{index .m "a"}}|{{index .m "zz"}}|{{len .m}}|{{range $k, $v := .m}}{{$k}}{{$v}}{{end}}`, `{"m":{"k":"v","a":"b"}}`, "", false},
		{`{{.m.zz}}|{{.m.a}}`, `{"m":{"k":"v","a":"b"}}`, "zero", false},
		{`{{.m.zz}}`, `{"m":{"k":"v"}}`, "error", false},
		{`{{.m.k.x}}`, `{"m":{"k":"v"}}`, "", false},
		{`{{eq .m .m}}`, `{"m":{"k":"v"}}`, "", false},
		{`{{slice .m 0}}`, `{"m":{"k":"v"}}`, "", false},
		{`{{.Label "x"}}`, `{"Label":"v"}`, "", false},
	}
	return cases
}
