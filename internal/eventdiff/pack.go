package eventdiff

import (
	"encoding/binary"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/playerbase/playerbase/bans"
	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/inventory"
	"github.com/playerbase/playerbase/orders"
	"github.com/playerbase/playerbase/subscriptions"
)

// packTypes are the records Pack may keep, each named in the packed bytes
// by its index here (so the order is part of the format a store holds in
// memory: append, never reorder).
var packTypes = [...]reflect.Type{
	reflect.TypeFor[inventory.Item](),
	reflect.TypeFor[inventory.Command](),
	reflect.TypeFor[customer.Customer](),
	reflect.TypeFor[customer.Token](),
	reflect.TypeFor[inventory.Product](),
	reflect.TypeFor[subscriptions.Subscription](),
	reflect.TypeFor[orders.Order](),
	reflect.TypeFor[bans.Ban](),
}

// packPlans holds, for each of packTypes, how Pack writes it (nil: it
// cannot), worked out once.
var packPlans [len(packTypes)]struct {
	once   sync.Once
	fields []packField
}

// packField is one field a record's JSON writes, and how Pack keeps it.
type packField struct {
	index int
	kind  packKind
	sub   []packField // a struct's fields, every one
}

type packKind uint8

const (
	packString packKind = iota
	packInt
	packUint
	packBool
	packTime
	packTimePtr
	packStruct
)

// planOf returns how Pack writes packTypes[i]; nil if a field its JSON
// writes is of a kind Pack does not keep (a list, an amount, a map).
func planOf(i int) []packField {
	p := &packPlans[i]
	p.once.Do(func() {
		fields, ok := recordPlans[packTypes[i]].fields()
		if !ok {
			return
		}
		var out []packField
		for _, f := range fields {
			pf, ok := fieldOf(packTypes[i].Field(f.index).Type, f.index, 0)
			if !ok {
				return
			}
			out = append(out, pf)
		}
		p.fields = out
	})
	return p.fields
}

// fieldOf returns how Pack keeps a field of type t: a struct (an item's
// source) whole, by every one of its fields, which must all be exported
// and of the kinds Pack keeps, so the value read back is the value packed.
func fieldOf(t reflect.Type, index, depth int) (packField, bool) {
	f := packField{index: index}
	switch {
	case t == timeType:
		f.kind = packTime
		return f, true
	case t == timePtrType:
		f.kind = packTimePtr
		return f, true
	}
	switch t.Kind() {
	case reflect.String:
		f.kind = packString
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		f.kind = packInt
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16, reflect.Uint8:
		f.kind = packUint
	case reflect.Bool:
		f.kind = packBool
	case reflect.Struct:
		if depth > 2 {
			return f, false
		}
		f.kind = packStruct
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				return f, false
			}
			sub, ok := fieldOf(sf.Type, i, depth+1)
			if !ok {
				return f, false
			}
			f.sub = append(f.sub, sub)
		}
	default:
		return f, false
	}
	return f, true
}

// Pack appends rec, a created record, to dst in a form Unpack reads back
// into a record Diff writes the same changes for: a byte naming its type,
// then each field its JSON writes (a string by its length and bytes, a
// number as a varint, a time as its instant). Nothing in it is a pointer,
// so a store may keep it as bytes the collector never scans, and work the
// changes out only when the event is read, which most never are. It
// returns dst and false for a record it cannot keep whole: one with a
// list, an amount or a map among its fields, or a time Diff would refuse
// (a year outside 0–9999, whose error must come now, not at the read).
func Pack(dst []byte, rec any) ([]byte, bool) {
	t := reflect.TypeOf(rec)
	ti := -1
	for i, pt := range packTypes {
		if pt == t {
			ti = i
			break
		}
	}
	if ti < 0 {
		return dst, false
	}
	fields := planOf(ti)
	if fields == nil {
		return dst, false
	}
	out, ok := packFields(append(dst, byte(ti)), reflect.ValueOf(rec), fields)
	if !ok {
		return dst, false
	}
	return out, true
}

func packFields(out []byte, v reflect.Value, fields []packField) ([]byte, bool) {
	for _, f := range fields {
		fv := v.Field(f.index)
		switch f.kind {
		case packString:
			s := fv.String()
			out = append(binary.AppendUvarint(out, uint64(len(s))), s...)
		case packInt:
			out = binary.AppendVarint(out, fv.Int())
		case packUint:
			out = binary.AppendUvarint(out, fv.Uint())
		case packBool:
			b := byte(0)
			if fv.Bool() {
				b = 1
			}
			out = append(out, b)
		case packStruct:
			var ok bool
			if out, ok = packFields(out, fv, f.sub); !ok {
				return out, false
			}
		case packTime, packTimePtr:
			var tm time.Time
			if f.kind == packTimePtr {
				if fv.IsNil() {
					out = append(out, 0)
					continue
				}
				tm = *fv.Interface().(*time.Time)
				out = append(out, 1)
			} else {
				tm = fv.Interface().(time.Time)
			}
			if y := tm.UTC().Year(); y < 0 || y > 9999 {
				return out, false
			}
			out = binary.AppendUvarint(binary.AppendVarint(out, tm.Unix()), uint64(tm.Nanosecond()))
		}
	}
	return out, true
}

// errPacked is Unpack's error for bytes Pack did not write.
var errPacked = errors.New("eventdiff: packed record is corrupt")

// Unpack returns the record Pack wrote into b.
func Unpack(b []byte) (any, error) {
	if len(b) == 0 || int(b[0]) >= len(packTypes) {
		return nil, errPacked
	}
	t := packTypes[b[0]]
	fields := planOf(int(b[0]))
	if fields == nil {
		return nil, errPacked
	}
	v := reflect.New(t).Elem()
	p, err := unpackFields(b[1:], v, fields)
	if err != nil {
		return nil, err
	}
	if len(p) != 0 {
		return nil, errPacked
	}
	return v.Interface(), nil
}

func unpackFields(p []byte, v reflect.Value, fields []packField) ([]byte, error) {
	for _, f := range fields {
		fv := v.Field(f.index)
		var w int
		switch f.kind {
		case packString:
			var n uint64
			n, w = binary.Uvarint(p)
			if w <= 0 || uint64(len(p)-w) < n {
				return nil, errPacked
			}
			fv.SetString(string(p[w : w+int(n)]))
			w += int(n)
		case packInt:
			var x int64
			x, w = binary.Varint(p)
			fv.SetInt(x)
		case packUint:
			var x uint64
			x, w = binary.Uvarint(p)
			fv.SetUint(x)
		case packBool:
			if len(p) == 0 {
				return nil, errPacked
			}
			fv.SetBool(p[0] == 1)
			w = 1
		case packStruct:
			var err error
			if p, err = unpackFields(p, fv, f.sub); err != nil {
				return nil, err
			}
			continue
		case packTime, packTimePtr:
			if f.kind == packTimePtr {
				if len(p) == 0 {
					return nil, errPacked
				}
				nilPtr := p[0] == 0
				p = p[1:]
				if nilPtr {
					continue
				}
			}
			sec, w1 := binary.Varint(p)
			if w1 <= 0 {
				return nil, errPacked
			}
			nsec, w2 := binary.Uvarint(p[w1:])
			if w2 <= 0 || nsec >= 1e9 {
				return nil, errPacked
			}
			w = w1 + w2
			tm := time.Unix(sec, int64(nsec)).UTC()
			if f.kind == packTimePtr {
				fv.Set(reflect.ValueOf(&tm))
			} else {
				fv.Set(reflect.ValueOf(tm))
			}
		}
		if w <= 0 {
			return nil, errPacked
		}
		p = p[w:]
	}
	return p, nil
}
