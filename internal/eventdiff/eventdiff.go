package eventdiff

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/internal/flatjson"
	"github.com/playerbase/playerbase/internal/jsonx"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// Diff returns events.Diff(before, after), faster for two versions of one
// record: a game server's ack changes five of a command's sixteen fields,
// and encoding both whole commands to find them cost more than the rest
// of the ack. The records below write themselves as jsonx.Marshal of a
// method-less copy (their MarshalJSON), so each field's JSON is jsonx's
// encoding of the field under its tag: diff compares the fields and
// encodes only those that differ; a record created is written field by
// field into one buffer. TestEventDiffIsJSONDiff holds it to events.Diff
// on every record type.
func Diff(before, after any) (events.Changes, error) {
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
		return plan.whole(fields, reflect.ValueOf(after), false)
	}
	if after == nil {
		return plan.whole(fields, reflect.ValueOf(before), true)
	}
	bv, av := reflect.ValueOf(before), reflect.ValueOf(after)
	out := events.Changes{}
	var buf []byte // both versions of each changed field, one after the other
	for _, f := range fields {
		x, y := bv.Field(f.index), av.Field(f.index)
		if f.same(x, y) {
			continue
		}
		if buf == nil {
			buf = make([]byte, 0, 256)
		}
		bj, next, err := f.encodeInto(buf, x)
		if err != nil {
			return nil, err
		}
		aj, next, err := f.encodeInto(next, y)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(bj, aj) {
			out[f.name] = events.Change{Before: bj, After: aj}
			buf = next
		}
	}
	return out, nil
}

// encodeInto appends the field's JSON to buf and returns it, capped so
// that what is appended to buf next cannot write over it (nil if omitzero
// leaves it out), and buf with it.
func (f planField) encodeInto(buf []byte, v reflect.Value) (val, next []byte, err error) {
	start := len(buf)
	next, err = f.encode(buf, v)
	if err != nil || next == nil {
		return nil, buf, err
	}
	return next[start:len(next):len(next)], next, nil
}

// whole returns the changes of a record created (removed: v is the
// version removed): every field its JSON writes, encoded into one buffer.
func (p *fieldPlan) whole(fields []planField, v reflect.Value, removed bool) (events.Changes, error) {
	out := make(events.Changes, len(fields))
	// As large as the last record's, and a little more: a buffer that
	// grows leaves its first array as garbage for each event.
	size := int(p.size.Load())
	if size == 0 {
		size = 64 * len(fields)
	}
	buf := make([]byte, 0, size+size/8)
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
	p.size.Store(int64(len(buf)))
	return out, nil
}

// sameFor returns a test of whether two values of type t are equal, and
// so encode alike, with what depends only on t (is it plainly comparable,
// how its elements compare) worked out now, for a plan to keep per field.
// Values that differ here may still encode alike (a nil and an empty
// list; one instant in two zones): the encodings decide.
func sameFor(t reflect.Type) func(x, y reflect.Value) bool {
	switch t.Kind() {
	case reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return equalFor(t) // a scalar: == is equality
	case reflect.Pointer:
		isTime := t == timePtrType
		return func(x, y reflect.Value) bool {
			if x.IsNil() || y.IsNil() || x.Pointer() == y.Pointer() {
				return x.IsNil() == y.IsNil() && x.Pointer() == y.Pointer()
			}
			if isTime {
				// One instant writes one UTC time, whatever the zone.
				return x.Interface().(*time.Time).Equal(*y.Interface().(*time.Time))
			}
			return reflect.DeepEqual(x.Interface(), y.Interface())
		}
	case reflect.Struct:
		if plainComparable(t) {
			// Without boxing both for DeepEqual: == on the fields, a
			// pointer equal only to itself (an amount's big.Int), so
			// equal values are equal by DeepEqual too.
			return equalFor(t)
		}
	case reflect.Slice:
		elem := sameFor(t.Elem())
		return func(x, y reflect.Value) bool {
			if x.Len() != y.Len() {
				return false
			}
			if x.Len() == 0 || x.Pointer() == y.Pointer() {
				return x.IsNil() == y.IsNil()
			}
			for i := range x.Len() {
				if !elem(x.Index(i), y.Index(i)) {
					return false
				}
			}
			return true
		}
	}
	return func(x, y reflect.Value) bool { return reflect.DeepEqual(x.Interface(), y.Interface()) }
}

// equalFor returns x.Equal(y) for values of a plainly comparable type t
// (== on every field, a pointer by its address), with the walk over t's
// fields worked out once: Value.Equal works it out at every call, most of
// the time of comparing an order's lines and amounts.
func equalFor(t reflect.Type) func(x, y reflect.Value) bool {
	switch t.Kind() {
	case reflect.String:
		return func(x, y reflect.Value) bool { return x.String() == y.String() }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(x, y reflect.Value) bool { return x.Int() == y.Int() }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(x, y reflect.Value) bool { return x.Uint() == y.Uint() }
	case reflect.Bool:
		return func(x, y reflect.Value) bool { return x.Bool() == y.Bool() }
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return func(x, y reflect.Value) bool { return x.Pointer() == y.Pointer() }
	case reflect.Struct:
		fields := make([]func(x, y reflect.Value) bool, t.NumField())
		for i := range fields {
			if t.Field(i).Name == "_" {
				fields[i] = func(x, y reflect.Value) bool { return true } // == skips blank fields
				continue
			}
			fields[i] = equalFor(t.Field(i).Type)
		}
		return func(x, y reflect.Value) bool {
			for i, eq := range fields {
				if !eq(x.Field(i), y.Field(i)) {
					return false
				}
			}
			return true
		}
	case reflect.Array:
		elem := equalFor(t.Elem())
		return func(x, y reflect.Value) bool {
			for i := range x.Len() {
				if !elem(x.Index(i), y.Index(i)) {
					return false
				}
			}
			return true
		}
	}
	return func(x, y reflect.Value) bool { return x.Equal(y) } // floats and complex numbers: ==
}

// comparables caches plainComparable.
var comparables sync.Map // reflect.Type → bool

// plainComparable reports whether Value.Equal compares t's values
// without panicking: t is comparable and holds no interface, whose
// dynamic value might not be.
func plainComparable(t reflect.Type) bool {
	if ok, done := comparables.Load(t); done {
		return ok.(bool)
	}
	var walk func(t reflect.Type) bool
	walk = func(t reflect.Type) bool {
		switch t.Kind() {
		case reflect.Interface, reflect.Slice, reflect.Map, reflect.Func:
			return false
		case reflect.Array:
			return walk(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				if !walk(t.Field(i).Type) {
					return false
				}
			}
		}
		return t.Comparable()
	}
	ok := walk(t)
	comparables.Store(t, ok)
	return ok
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
	ok   bool         // false: a field whose JSON rules diff does not repeat
	size atomic.Int64 // the bytes of the last record whole wrote
}

// planField is one field as encoding/json writes it: its name and, for an
// omitzero field, when it is left out.
type planField struct {
	index  int
	name   string
	isZero func(reflect.Value) bool // nil: always written
	enc    encoder                  // encoderOf the field's type
	same   func(x, y reflect.Value) bool
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
			f := planField{index: i, name: name, enc: encoderOf(sf.Type), same: sameFor(sf.Type)}
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
	return f.enc(dst, v)
}

// encoder appends a value's JSON, as jsonx.Marshal writes it, to dst.
type encoder func(dst []byte, v reflect.Value) ([]byte, error)

// encoders holds each type's encoder, worked out once (see encoderOf).
var encoders sync.Map // reflect.Type → encoder

// encoderOf returns t's encoder: without reflection's copies for what
// records are made of (IDs, statuses, versions, times, amounts, lists of
// IDs, small structs of those), writing the bytes encoding/json writes
// for them, HTML escaping included; through jsonx.Marshal for the rest.
// jsonx.Marshal's deep copy of a value, to put its times in UTC and its
// nil lists as [], cost more than encoding it: the encoders do both as
// they write.
func encoderOf(t reflect.Type) encoder {
	if e, ok := encoders.Load(t); ok {
		return e.(encoder)
	}
	e := newEncoder(t, 0)
	encoders.Store(t, e)
	return e
}

// viaJSONX is the encoder of the types the others do not know.
func viaJSONX(dst []byte, v reflect.Value) ([]byte, error) {
	b, err := jsonx.Marshal(v.Interface())
	return append(dst, b...), err
}

func newEncoder(t reflect.Type, depth int) encoder {
	if depth > 4 {
		return viaJSONX
	}
	switch {
	case t == timePtrType:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if v.IsNil() {
				return append(dst, "null"...), nil
			}
			return appendTime(dst, *v.Interface().(*time.Time))
		}
	case t == timeType:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			return appendTime(dst, v.Interface().(time.Time))
		}
	case t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface || t.Kind() == reflect.Map:
		return viaJSONX
	case t.Implements(marshalerType):
		return marshaled
	case t.Implements(textMarshalerType):
		return texted
	}
	switch t.Kind() {
	case reflect.String:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			if s := v.String(); flatjson.Plain(s) {
				return append(append(append(dst, '"'), s...), '"'), nil
			}
			return viaJSONX(dst, v)
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendInt(dst, v.Int(), 10), nil
		}
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendUint(dst, v.Uint(), 10), nil
		}
	case reflect.Bool:
		return func(dst []byte, v reflect.Value) ([]byte, error) {
			return strconv.AppendBool(dst, v.Bool()), nil
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSONX // base64
		}
		return sliceEncoder(newEncoder(t.Elem(), depth+1))
	case reflect.Struct:
		return structEncoder(t, depth)
	}
	return viaJSONX
}

// sliceEncoder writes a list, [] when nil as jsonx does.
func sliceEncoder(elem encoder) encoder {
	return func(dst []byte, v reflect.Value) (_ []byte, err error) {
		dst = append(dst, '[')
		for i := range v.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = elem(dst, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return append(dst, ']'), nil
	}
}

// structEncoder writes a struct with no JSON methods whose fields are
// each written under a plain tag, in order; any other through jsonx.
func structEncoder(t reflect.Type, depth int) encoder {
	type field struct {
		index int
		key   string // `"name":`, or `,"name":`
		enc   encoder
	}
	var fields []field
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !sf.IsExported() || tag == "-" {
			continue
		}
		if sf.Anonymous || opts != "" || name == "-" {
			return viaJSONX
		}
		if name == "" {
			name = sf.Name
		}
		if !flatjson.Plain(name) {
			return viaJSONX
		}
		key := `"` + name + `":`
		if len(fields) > 0 {
			key = "," + key
		}
		fields = append(fields, field{i, key, newEncoder(sf.Type, depth+1)})
	}
	return func(dst []byte, v reflect.Value) (_ []byte, err error) {
		dst = append(dst, '{')
		for _, f := range fields {
			dst = append(dst, f.key...)
			if dst, err = f.enc(dst, v.Field(f.index)); err != nil {
				return nil, err
			}
		}
		return append(dst, '}'), nil
	}
}

// marshaled writes a value by its MarshalJSON, as encoding/json does when
// what the method wrote is already compact, valid and needs no HTML
// escaping (an amount, a record); through jsonx otherwise, and for its
// error.
func marshaled(dst []byte, v reflect.Value) ([]byte, error) {
	b, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil || !plainJSON(b) {
		return viaJSONX(dst, v)
	}
	return append(dst, b...), nil
}

// texted writes a value by its MarshalText, as a JSON string, when the
// text needs no escaping (an address); through jsonx otherwise.
func texted(dst []byte, v reflect.Value) ([]byte, error) {
	b, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil || !flatjson.Plain(string(b)) {
		return viaJSONX(dst, v)
	}
	return append(append(append(dst, '"'), b...), '"'), nil
}

// plainJSON reports whether encoding/json writes b, a Marshaler's output,
// as it is: valid, with no byte it would remove (white space) or escape
// (<, >, &, and the U+2028 and U+2029 that start with 0xE2).
func plainJSON(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			return false
		}
	}
	return json.Valid(b)
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
