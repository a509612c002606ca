// Package jsonx marshals records the way docs/json.md promises: a list or
// map is never null ([] and {} when empty), and every time is written in
// UTC.
//
// Each record's MarshalJSON calls Marshal on a method-less copy of itself
// (type plain Record; jsonx.Marshal(plain(r))). Doing it by reflection, in
// one place, means a list or time field added to a record later gets the
// same treatment without anyone remembering to; the JSON names stay in the
// records' own struct tags.
package jsonx

import (
	"encoding"
	"encoding/json"
	"reflect"
	"time"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// Marshal returns the JSON encoding of v with every nil slice or map made
// empty and every time.Time converted to UTC. It works on a copy: v and
// whatever it points to are not changed.
func Marshal(v any) ([]byte, error) {
	return json.Marshal(normalize(reflect.ValueOf(v)).Interface())
}

func normalize(v reflect.Value) reflect.Value {
	t := v.Type()
	switch {
	case t == timeType:
		return reflect.ValueOf(v.Interface().(time.Time).UTC())
	case t.Kind() == reflect.Pointer:
		// Before the check below: *time.Time has time.Time's methods.
		if v.IsNil() {
			return v
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(normalize(v.Elem()))
		return p
	case t.Implements(marshalerType) || t.Implements(textMarshalerType):
		// A type that writes itself (another record, an amount, an
		// address) keeps its own rules.
		return v
	}
	switch t.Kind() {
	case reflect.Slice:
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(normalize(v.Index(i)))
		}
		return out
	case reflect.Map:
		out := reflect.MakeMapWithSize(t, v.Len())
		for it := v.MapRange(); it.Next(); {
			out.SetMapIndex(it.Key(), normalize(it.Value()))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			if t.Field(i).IsExported() {
				out.Field(i).Set(normalize(v.Field(i)))
			}
		}
		return out
	}
	return v
}
