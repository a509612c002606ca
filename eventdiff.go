package playerbase

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/jsonx"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// diff returns events.Diff(before, after), faster for two versions of one
// record: a game server's ack changes five of a command's sixteen fields,
// and encoding both whole commands to find them cost more than the rest
// of the ack. The records below write themselves as jsonx.Marshal of a
// method-less copy (their MarshalJSON), so each field's JSON is jsonx's
// encoding of the field under its tag: diff compares the fields and
// encodes only those that differ; a record created is written field by
// field into one buffer. TestEventDiffIsJSONDiff holds it to events.Diff
// on every record type.
func diff(before, after any) (events.Changes, error) {
	if before == nil && after == nil {
		return events.Changes{}, nil
	}
	var typ reflect.Type
	if before != nil {
		typ = reflect.TypeOf(before)
	} else {
		typ = reflect.TypeOf(after)
	}
	plan, ok := recordPlans[typ]
	if !ok || before != nil && after != nil && reflect.TypeOf(after) != typ {
		return events.Diff(before, after)
	}
	fields, ok := plan.fields()
	if !ok {
		return events.Diff(before, after)
	}
	if before == nil {
		return whole(fields, reflect.ValueOf(after), false)
	}
	if after == nil {
		return whole(fields, reflect.ValueOf(before), true)
	}
	bv, av := reflect.ValueOf(before), reflect.ValueOf(after)
	out := events.Changes{}
	for _, f := range fields {
		x, y := bv.Field(f.index), av.Field(f.index)
		if same(x, y) {
			continue
		}
		bj, err := f.encode(nil, x)
		if err != nil {
			return nil, err
		}
		aj, err := f.encode(nil, y)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(bj, aj) {
			out[f.name] = events.Change{Before: bj, After: aj}
		}
	}
	return out, nil
}

// whole returns the changes of a record created (removed: v is the
// version removed): every field its JSON writes, encoded into one buffer.
func whole(fields []planField, v reflect.Value, removed bool) (events.Changes, error) {
	out := make(events.Changes, len(fields))
	buf := make([]byte, 0, 64*len(fields))
	for _, f := range fields {
		start := len(buf)
		next, err := f.encode(buf, v.Field(f.index))
		if err != nil {
			return nil, err
		}
		if next == nil {
			continue // left out
		}
		buf = next // if it grew, the values so far keep the old array
		val := buf[start:len(buf):len(buf)]
		if removed {
			out[f.name] = events.Change{Before: val}
		} else {
			out[f.name] = events.Change{After: val}
		}
	}
	return out, nil
}

// same reports whether two field values are equal, and so encode alike.
// Values that differ here may still encode alike (a nil and an empty
// list; one instant in two zones): the encodings decide.
func same(x, y reflect.Value) bool {
	switch x.Kind() {
	case reflect.String:
		return x.String() == y.String()
	case reflect.Int, reflect.Int64, reflect.Int32:
		return x.Int() == y.Int()
	case reflect.Bool:
		return x.Bool() == y.Bool()
	case reflect.Pointer:
		if x.IsNil() || y.IsNil() || x.Pointer() == y.Pointer() {
			return x.IsNil() == y.IsNil() && x.Pointer() == y.Pointer()
		}
		if x.Type() == timePtrType {
			// One instant writes one UTC time, whatever the zone.
			return x.Interface().(*time.Time).Equal(*y.Interface().(*time.Time))
		}
	}
	return reflect.DeepEqual(x.Interface(), y.Interface())
}

var (
	timePtrType       = reflect.TypeFor[*time.Time]()
	timeType          = reflect.TypeFor[time.Time]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// recordPlans are the records diff knows, each with the fields its JSON
// writes, worked out once.
var recordPlans = map[reflect.Type]*fieldPlan{
	reflect.TypeFor[customer.Customer]():          {},
	reflect.TypeFor[customer.Token]():             {},
	reflect.TypeFor[orders.Order]():               {},
	reflect.TypeFor[subscriptions.Subscription](): {},
	reflect.TypeFor[inventory.Product]():          {},
	reflect.TypeFor[inventory.Item]():             {},
	reflect.TypeFor[inventory.Command]():          {},
	reflect.TypeFor[bans.Ban]():                   {},
}

func init() {
	for t, p := range recordPlans {
		p.typ = t
	}
}

type fieldPlan struct {
	typ  reflect.Type
	once sync.Once
	list []planField
	ok   bool // false: a field whose JSON rules diff does not repeat
}

// planField is one field as encoding/json writes it: its name and, for an
// omitzero field, when it is left out.
type planField struct {
	index  int
	name   string
	isZero func(reflect.Value) bool // nil: always written
}

// fields returns the record's fields as its JSON writes them; false if one
// has a tag whose rules diff leaves to encoding/json (the record then
// goes through events.Diff).
func (p *fieldPlan) fields() ([]planField, bool) {
	p.once.Do(func() {
		p.ok = true
		for i := range p.typ.NumField() {
			sf := p.typ.Field(i)
			tag := sf.Tag.Get("json")
			name, opts, _ := strings.Cut(tag, ",")
			if !sf.IsExported() || name == "-" && opts == "" {
				continue
			}
			f := planField{index: i, name: name}
			switch {
			case sf.Anonymous || name == "" || name == "-":
				p.ok = false // embedded, or named by the Go name
			case opts == "":
			case opts == "omitzero" && sf.Type.Kind() == reflect.Pointer:
				// A pointer is zero alike before and after jsonx
				// normalises it, so the test can read the record's own.
				f.isZero = zeroer(sf.Type)
			default:
				p.ok = false // omitempty, string, or omitzero on a value jsonx rewrites
			}
			p.list = append(p.list, f)
		}
	})
	return p.list, p.ok
}

// encode appends the field's JSON, as the record writes it, to dst; nil
// when omitzero leaves it out.
func (f planField) encode(dst []byte, v reflect.Value) ([]byte, error) {
	if f.isZero != nil && f.isZero(v) {
		return nil, nil
	}
	return appendValue(dst, v)
}

// appendValue appends jsonx.Marshal(v.Interface()) to dst, without
// reflection for the kinds records are mostly made of (IDs, statuses,
// versions, times): the bytes encoding/json writes for them, HTML
// escaping included.
func appendValue(dst []byte, v reflect.Value) ([]byte, error) {
	t := v.Type()
	switch {
	case t == timePtrType:
		if v.IsNil() {
			return append(dst, "null"...), nil
		}
		return appendTime(dst, *v.Interface().(*time.Time))
	case t == timeType:
		return appendTime(dst, v.Interface().(time.Time))
	case t.Implements(marshalerType) || t.Implements(textMarshalerType):
	case t.Kind() == reflect.String:
		if s := v.String(); plainString(s) {
			return append(append(append(dst, '"'), s...), '"'), nil
		}
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64 || t.Kind() == reflect.Int32:
		return strconv.AppendInt(dst, v.Int(), 10), nil
	case t.Kind() == reflect.Bool:
		return strconv.AppendBool(dst, v.Bool()), nil
	}
	b, err := jsonx.Marshal(v.Interface())
	return append(dst, b...), err
}

// appendTime appends t as jsonx writes it: in UTC, RFC 3339 with
// nanoseconds, quoted. A year outside 0–9999 goes through MarshalJSON for
// its error.
func appendTime(dst []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		b, err := t.MarshalJSON()
		return append(dst, b...), err
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), nil
}

// plainString reports whether encoding/json writes s as it is, quoted:
// printable ASCII with nothing it escapes.
func plainString(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

type isZeroer interface{ IsZero() bool }

var isZeroerType = reflect.TypeFor[isZeroer]()

// zeroer returns omitzero's test for a field of pointer type t, as
// encoding/json decides it: nil, or zero by the IsZero method t has (a
// *time.Time to the zero time is left out too).
func zeroer(t reflect.Type) func(reflect.Value) bool {
	if t.Implements(isZeroerType) {
		return func(v reflect.Value) bool { return v.IsNil() || v.Interface().(isZeroer).IsZero() }
	}
	return reflect.Value.IsNil
}
