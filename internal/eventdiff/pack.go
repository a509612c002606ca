package eventdiff

import (
	"encoding/binary"
	"errors"
	"reflect"
	"sync"
	"time"
	"unsafe"

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
// Pack reads it where it lies in its record (off), not through reflect:
// a purchase packs seven records of a dozen fields or more, and a
// reflect.Value per field was most of Pack's time.
type packField struct {
	plan planField
	kind packKind     // packNone: it cannot be kept
	typ  reflect.Type // the field's type
	off  uintptr      // where it lies in its struct
	size uintptr      // a number's size; a list element's
	sub  []packField  // a struct's fields, every one; a list's element
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
		t := packTypes[i]
		plan, ok := recordPlans[t].fields()
		// Pack reads a record where its interface value points, which
		// it does for a struct larger than a pointer (see dataOf).
		if !ok || t.Kind() != reflect.Struct || t.Size() <= unsafe.Sizeof(uintptr(0)) {
			return
		}
		p.whole = true
		for _, f := range plan {
			sf := t.Field(f.index)
			pf := kindOf(sf.Type, 0)
			pf.plan, pf.off = f, sf.Offset
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
	f := packField{typ: t}
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
		f.kind, f.size = packInt, t.Size()
	case reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint16:
		f.kind, f.size = packUint, t.Size()
	case reflect.Bool:
		f.kind = packBool
	case reflect.Slice:
		elem := kindOf(t.Elem(), depth+1)
		if elem.kind == packNone || t.Elem().Kind() == reflect.Uint8 {
			return f
		}
		f.kind, f.size, f.sub = packSlice, t.Elem().Size(), []packField{elem}
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			sub := kindOf(sf.Type, depth+1)
			if !sf.IsExported() || sub.kind == packNone {
				return packField{typ: t}
			}
			sub.plan.index, sub.off = i, sf.Offset
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
	a := dataOf(after)
	if before == nil {
		if !whole {
			return dst, false, false
		}
		out = append(dst, byte(ti), modeCreated)
		for i := range fields {
			if out, ok = fields[i].pack(out, a); !ok {
				return dst, false, false
			}
		}
		return out, true, true
	}
	b := dataOf(before)
	// The records as reflect sees them, made once and only for a field
	// Pack cannot keep.
	var bv, av reflect.Value
	out = append(dst, byte(ti), modeChanged)
	countAt := len(out)
	out = append(out, 0) // the count, at most 127 fields: one byte
	n := 0
	for i := range fields {
		f := &fields[i]
		if f.kind == packNone {
			if sameBits(f.at(b), f.at(a), f.typ) {
				continue
			}
			if !bv.IsValid() {
				bv, av = reflect.NewAt(t, b).Elem(), reflect.NewAt(t, a).Elem()
			}
			if f.plan.same(bv.Field(f.plan.index), av.Field(f.plan.index)) {
				continue
			}
			return dst, false, false
		}
		if f.alike(b, a) {
			continue
		}
		out = binary.AppendUvarint(out, uint64(i))
		if out, ok = f.pack(out, b); ok {
			out, ok = f.pack(out, a)
		}
		if !ok || n == 127 {
			return dst, false, false
		}
		n++
	}
	out[countAt] = byte(n)
	return out, n > 0, true
}

// sameBits reports whether the values of type t at x and y hold the
// same bits, or for slices, both nil or not, the same length and elements
// of the same bits: then they write the same JSON, read now. False says
// nothing (padding, two copies of one text), so Pack then compares them
// as Diff does: an order completed keeps its lines and amounts, which
// Pack cannot keep, and this spares their walk by reflect.
func sameBits(x, y unsafe.Pointer, t reflect.Type) bool {
	n := t.Size()
	if t.Kind() == reflect.Slice {
		sx, sy := (*sliceHeader)(x), (*sliceHeader)(y)
		if sx.len != sy.len || (sx.data == nil) != (sy.data == nil) {
			return false
		}
		x, y, n = sx.data, sy.data, uintptr(sx.len)*t.Elem().Size()
	}
	return n == 0 || x == y || unsafe.String((*byte)(x), n) == unsafe.String((*byte)(y), n)
}

// dataOf returns where the value in v lies: for a struct larger than a
// pointer, an interface holds a pointer to its own copy of it, which
// nothing changes.
func dataOf(v any) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]
}

// at returns where f lies in the struct at base.
func (f *packField) at(base unsafe.Pointer) unsafe.Pointer { return unsafe.Add(base, f.off) }

// zero reports whether f, in the struct at base, is zero as omitzero
// decides (f.plan.isZero): for a *time.Time, read in place.
func (f *packField) zero(base unsafe.Pointer) bool {
	if f.kind == packTimePtr {
		tm := *(**time.Time)(f.at(base))
		return tm == nil || tm.IsZero()
	}
	return f.plan.isZero(reflect.NewAt(f.typ, f.at(base)).Elem())
}

// sliceHeader is how a slice lies in memory.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// alike reports whether f in the structs at x and y writes the same JSON,
// so Pack finds a change exactly when Diff does: equal values, and also
// one instant in two zones, a nil list and an empty one, and for a field
// left out when zero, two zero values.
func (f *packField) alike(x, y unsafe.Pointer) bool {
	if f.plan.isZero != nil && f.zero(x) && f.zero(y) {
		return true
	}
	return f.sameJSON(f.at(x), f.at(y))
}

// sameJSON reports whether the values at x and y of f's type write the
// same JSON.
func (f *packField) sameJSON(x, y unsafe.Pointer) bool {
	switch f.kind {
	case packString:
		return *(*string)(x) == *(*string)(y)
	case packInt:
		return intAt(x, f.size) == intAt(y, f.size)
	case packUint:
		return uintAt(x, f.size) == uintAt(y, f.size)
	case packBool:
		return *(*bool)(x) == *(*bool)(y)
	case packTime:
		return (*time.Time)(x).Equal(*(*time.Time)(y))
	case packTimePtr:
		tx, ty := *(**time.Time)(x), *(**time.Time)(y)
		if tx == nil || ty == nil {
			return tx == ty
		}
		return tx.Equal(*ty)
	case packStruct:
		for i := range f.sub {
			s := &f.sub[i]
			if !s.sameJSON(s.at(x), s.at(y)) {
				return false
			}
		}
		return true
	case packSlice:
		sx, sy := (*sliceHeader)(x), (*sliceHeader)(y)
		if sx.len != sy.len {
			return false
		}
		e := &f.sub[0]
		for i := range sx.len {
			if !e.sameJSON(unsafe.Add(sx.data, uintptr(i)*f.size), unsafe.Add(sy.data, uintptr(i)*f.size)) {
				return false
			}
		}
		return true
	}
	return false
}

// pack appends f of the struct at base; false for a time Diff would
// refuse.
func (f *packField) pack(out []byte, base unsafe.Pointer) ([]byte, bool) {
	return f.put(out, f.at(base))
}

// put appends the value of f's type at p.
func (f *packField) put(out []byte, p unsafe.Pointer) ([]byte, bool) {
	switch f.kind {
	case packString:
		s := *(*string)(p)
		return append(binary.AppendUvarint(out, uint64(len(s))), s...), true
	case packInt:
		return binary.AppendVarint(out, intAt(p, f.size)), true
	case packUint:
		return binary.AppendUvarint(out, uintAt(p, f.size)), true
	case packBool:
		if *(*bool)(p) {
			return append(out, 1), true
		}
		return append(out, 0), true
	case packStruct:
		ok := true
		for i := range f.sub {
			if out, ok = f.sub[i].pack(out, p); !ok {
				break
			}
		}
		return out, ok
	case packSlice:
		s := (*sliceHeader)(p)
		if s.data == nil {
			return append(out, 0), true
		}
		out = binary.AppendUvarint(out, uint64(s.len)+1)
		ok := true
		for i := range s.len {
			if out, ok = f.sub[0].put(out, unsafe.Add(s.data, uintptr(i)*f.size)); !ok {
				break
			}
		}
		return out, ok
	case packTime, packTimePtr:
		var tm *time.Time
		if f.kind == packTime {
			tm = (*time.Time)(p)
		} else if tm = *(**time.Time)(p); tm == nil {
			return append(out, 0), true
		} else {
			out = append(out, 1)
		}
		sec := tm.Unix()
		if sec < firstSecond || sec >= pastLastSecond { // a year outside 0–9999
			return out, false
		}
		return binary.AppendUvarint(binary.AppendVarint(out, sec), uint64(tm.Nanosecond())), true
	}
	return out, false
}

// The Unix seconds of the years a time's JSON may have, 0 to 9999.
var (
	firstSecond    = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	pastLastSecond = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
)

// intAt returns the signed number of size bytes at p.
func intAt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

// uintAt returns the unsigned number of size bytes at p.
func uintAt(p unsafe.Pointer, size uintptr) uint64 {
	switch size {
	case 1:
		return uint64(*(*uint8)(p))
	case 2:
		return uint64(*(*uint16)(p))
	case 4:
		return uint64(*(*uint32)(p))
	}
	return *(*uint64)(p)
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
