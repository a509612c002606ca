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

// packPlans holds, for each of packTypes, how Pack writes its fields,
// worked out once.
var packPlans [len(packTypes)]struct {
	once   sync.Once
	fields []packField // nil: the record's JSON is not written field by field
	whole  bool        // every field can be kept: a created record can
}

// packField is one field a record's JSON writes, and how Pack keeps it.
type packField struct {
	plan planField
	kind packKind    // packNone: it cannot be kept
	sub  []packField // a struct's fields, every one; a list's element
}

type packKind uint8

const (
	packNone packKind = iota
	packString
	packInt
	packUint
	packBool
	packTime
	packTimePtr
	packStruct
	packSlice
)

// Modes of packed bytes, after the type.
const (
	modeCreated = 0 // every field of the record created
	modeChanged = 1 // the fields that changed, before and after
)

// planOf returns how Pack writes packTypes[i].
func planOf(i int) (fields []packField, whole bool) {
	p := &packPlans[i]
	p.once.Do(func() {
		plan, ok := recordPlans[packTypes[i]].fields()
		if !ok {
			return
		}
		p.whole = true
		for _, f := range plan {
			pf := kindOf(packTypes[i].Field(f.index).Type, 0)
			pf.plan = f
			p.whole = p.whole && pf.kind != packNone
			p.fields = append(p.fields, pf)
		}
	})
	return p.fields, p.whole
}

// kindOf returns how Pack keeps a value of type t: a struct (an item's
// source) by every one of its fields, which must all be exported and
// kept, so the value read back is the value packed; a list by its
// elements. Its kind is packNone if it cannot.
func kindOf(t reflect.Type, depth int) packField {
	var f packField
	switch {
	case t == timeType:
		f.kind = packTime
		return f
	case t == timePtrType:
		f.kind = packTimePtr
		return f
	case depth > 2:
		return f
	}
	switch t.Kind() {
	case reflect.String:
		f.kind = packString
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Int16, reflect.Int8:
		f.kind = packInt
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16:
		f.kind = packUint
	case reflect.Bool:
		f.kind = packBool
	case reflect.Slice:
		elem := kindOf(t.Elem(), depth+1)
		if elem.kind == packNone || t.Elem().Kind() == reflect.Uint8 {
			return f
		}
		f.kind, f.sub = packSlice, []packField{elem}
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			sub := kindOf(sf.Type, depth+1)
			if !sf.IsExported() || sub.kind == packNone {
				return packField{}
			}
			sub.plan.index = i
			f.sub = append(f.sub, sub)
		}
		f.kind = packStruct
	}
	return f
}

// Pack appends the change from before to after, two versions of a record
// (before nil: the record created), to dst in a form Unpack reads back
// into versions Diff writes the same changes for: a byte naming the
// type, a byte saying created or changed, then every field of a record
// created, or each changed field's position, its value before and after
// (a string by its length and bytes, a number as a varint, a time as its
// instant, a list by its length and elements). Nothing in it is a pointer,
// so a store may keep it as bytes the collector never scans and work the
// changes out only when the event is read, which most never are.
//
// changed reports whether there are changes: false exactly when Diff
// would give none. ok is false, with dst returned, for a change Pack
// cannot keep: a record removed, a type it does not know, a field it
// cannot keep among those to write (an amount, a map, an address), or a
// time Diff would refuse (a year outside 0–9999, whose error must come
// now, not at the read). Then work the changes out now.
func Pack(dst []byte, before, after any) (out []byte, changed, ok bool) {
	if after == nil {
		return dst, false, false
	}
	t := reflect.TypeOf(after)
	if before != nil && reflect.TypeOf(before) != t {
		return dst, false, false
	}
	ti := -1
	for i, pt := range packTypes {
		if pt == t {
			ti = i
			break
		}
	}
	if ti < 0 {
		return dst, false, false
	}
	fields, whole := planOf(ti)
	if fields == nil {
		return dst, false, false
	}
	av := reflect.ValueOf(after)
	if before == nil {
		if !whole {
			return dst, false, false
		}
		out = append(dst, byte(ti), modeCreated)
		for _, f := range fields {
			if out, ok = f.pack(out, av.Field(f.plan.index)); !ok {
				return dst, false, false
			}
		}
		return out, true, true
	}
	bv := reflect.ValueOf(before)
	out = append(dst, byte(ti), modeChanged)
	countAt := len(out)
	out = append(out, 0) // the count, at most 127 fields: one byte
	n := 0
	for i, f := range fields {
		x, y := bv.Field(f.plan.index), av.Field(f.plan.index)
		if f.kind == packNone {
			if f.plan.same(x, y) {
				continue
			}
			return dst, false, false
		}
		if f.alike(x, y) {
			continue
		}
		out = binary.AppendUvarint(out, uint64(i))
		if out, ok = f.pack(out, x); ok {
			out, ok = f.pack(out, y)
		}
		if !ok || n == 127 {
			return dst, false, false
		}
		n++
	}
	out[countAt] = byte(n)
	return out, n > 0, true
}

// alike reports whether two values of a kept field write the same JSON,
// so Pack finds a change exactly when Diff does: equal values, and also
// one instant in two zones, a nil list and an empty one, and for a field
// left out when zero, two zero values.
func (f packField) alike(x, y reflect.Value) bool {
	if z := f.plan.isZero; z != nil && z(x) && z(y) {
		return true
	}
	return f.sameJSON(x, y)
}

func (f packField) sameJSON(x, y reflect.Value) bool {
	switch f.kind {
	case packString:
		return x.String() == y.String()
	case packInt:
		return x.Int() == y.Int()
	case packUint:
		return x.Uint() == y.Uint()
	case packBool:
		return x.Bool() == y.Bool()
	case packTime:
		return x.Interface().(time.Time).Equal(y.Interface().(time.Time))
	case packTimePtr:
		if x.IsNil() || y.IsNil() {
			return x.IsNil() == y.IsNil()
		}
		return x.Interface().(*time.Time).Equal(*y.Interface().(*time.Time))
	case packStruct:
		for _, s := range f.sub {
			if !s.sameJSON(x.Field(s.plan.index), y.Field(s.plan.index)) {
				return false
			}
		}
		return true
	case packSlice:
		if x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			if !f.sub[0].sameJSON(x.Index(i), y.Index(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// pack appends v; false for a time Diff would refuse.
func (f packField) pack(out []byte, v reflect.Value) ([]byte, bool) {
	switch f.kind {
	case packString:
		s := v.String()
		return append(binary.AppendUvarint(out, uint64(len(s))), s...), true
	case packInt:
		return binary.AppendVarint(out, v.Int()), true
	case packUint:
		return binary.AppendUvarint(out, v.Uint()), true
	case packBool:
		if v.Bool() {
			return append(out, 1), true
		}
		return append(out, 0), true
	case packStruct:
		ok := true
		for _, s := range f.sub {
			if out, ok = s.pack(out, v.Field(s.plan.index)); !ok {
				break
			}
		}
		return out, ok
	case packSlice:
		if v.IsNil() {
			return append(out, 0), true
		}
		out = binary.AppendUvarint(out, uint64(v.Len())+1)
		ok := true
		for i := range v.Len() {
			if out, ok = f.sub[0].pack(out, v.Index(i)); !ok {
				break
			}
		}
		return out, ok
	case packTime, packTimePtr:
		var tm time.Time
		if f.kind == packTimePtr {
			if v.IsNil() {
				return append(out, 0), true
			}
			tm = *v.Interface().(*time.Time)
			out = append(out, 1)
		} else {
			tm = v.Interface().(time.Time)
		}
		if y := tm.UTC().Year(); y < 0 || y > 9999 {
			return out, false
		}
		return binary.AppendUvarint(binary.AppendVarint(out, tm.Unix()), uint64(tm.Nanosecond())), true
	}
	return out, false
}

// errPacked is Unpack's error for bytes Pack did not write.
var errPacked = errors.New("eventdiff: packed record is corrupt")

// Unpack returns the versions Pack wrote into b: before nil for a record
// created; for a change, two records holding only the fields that
// changed, whose Diff is the change's.
func Unpack(b []byte) (before, after any, err error) {
	if len(b) < 2 || int(b[0]) >= len(packTypes) || b[1] > modeChanged {
		return nil, nil, errPacked
	}
	t := packTypes[b[0]]
	fields, whole := planOf(int(b[0]))
	av := reflect.New(t).Elem()
	p := b[2:]
	if b[1] == modeCreated {
		if !whole {
			return nil, nil, errPacked
		}
		for _, f := range fields {
			if p, err = f.unpack(p, av.Field(f.plan.index)); err != nil {
				return nil, nil, err
			}
		}
	} else {
		bv := reflect.New(t).Elem()
		if len(p) == 0 {
			return nil, nil, errPacked
		}
		n := int(p[0])
		p = p[1:]
		for range n {
			i, w := binary.Uvarint(p)
			if w <= 0 || i >= uint64(len(fields)) || fields[i].kind == packNone {
				return nil, nil, errPacked
			}
			f := fields[i]
			if p, err = f.unpack(p[w:], bv.Field(f.plan.index)); err != nil {
				return nil, nil, err
			}
			if p, err = f.unpack(p, av.Field(f.plan.index)); err != nil {
				return nil, nil, err
			}
		}
		before = bv.Interface()
	}
	if len(p) != 0 {
		return nil, nil, errPacked
	}
	return before, av.Interface(), nil
}

// unpack reads into v what pack wrote and returns the rest of p.
func (f packField) unpack(p []byte, v reflect.Value) ([]byte, error) {
	var w int
	switch f.kind {
	case packString:
		n, nw := binary.Uvarint(p)
		if nw <= 0 || uint64(len(p)-nw) < n {
			return nil, errPacked
		}
		v.SetString(string(p[nw : nw+int(n)]))
		w = nw + int(n)
	case packInt:
		var x int64
		x, w = binary.Varint(p)
		v.SetInt(x)
	case packUint:
		var x uint64
		x, w = binary.Uvarint(p)
		v.SetUint(x)
	case packBool:
		if len(p) == 0 || p[0] > 1 {
			return nil, errPacked
		}
		v.SetBool(p[0] == 1)
		w = 1
	case packStruct:
		var err error
		for _, s := range f.sub {
			if p, err = s.unpack(p, v.Field(s.plan.index)); err != nil {
				return nil, err
			}
		}
		return p, nil
	case packSlice:
		n, nw := binary.Uvarint(p)
		if nw <= 0 || n > uint64(len(p)) { // every element takes a byte at least
			return nil, errPacked
		}
		p = p[nw:]
		if n == 0 {
			return p, nil
		}
		s := reflect.MakeSlice(v.Type(), int(n-1), int(n-1))
		var err error
		for i := range int(n - 1) {
			if p, err = f.sub[0].unpack(p, s.Index(i)); err != nil {
				return nil, err
			}
		}
		v.Set(s)
		return p, nil
	case packTime, packTimePtr:
		if f.kind == packTimePtr {
			if len(p) == 0 || p[0] > 1 {
				return nil, errPacked
			}
			isNil := p[0] == 0
			p = p[1:]
			if isNil {
				return p, nil
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
			v.Set(reflect.ValueOf(&tm))
		} else {
			v.Set(reflect.ValueOf(tm))
		}
	default:
		return nil, errPacked
	}
	if w <= 0 {
		return nil, errPacked
	}
	return p[w:], nil
}
