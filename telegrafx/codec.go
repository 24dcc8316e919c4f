package telegrafx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/influxdata/telegraf"
	"github.com/influxdata/telegraf/metric"
)

// The disk buffer's record format for one metric. Telegraf's own (metric.ToBytes, gob with a new encoder per
// metric) repeats the type description in every record: about 1.2 KB for an http_response metric, and its
// decoding took 40% of the disk buffer's CPU. This one is a version byte, the value type, the name, the tags,
// the typed fields and the time, with varint lengths: about 180 bytes.
const codecVersion = 1

const (
	kindFloat byte = iota
	kindInt
	kindUint
	kindString
	kindBool
)

// encodeMetric appends m's record to buf.
func encodeMetric(buf []byte, m telegraf.Metric) ([]byte, error) {
	buf = append(buf, codecVersion, byte(m.Type()))
	buf = appendString(buf, m.Name())
	tags := m.TagList()
	buf = binary.AppendUvarint(buf, uint64(len(tags)))
	for _, t := range tags {
		buf = appendString(appendString(buf, t.Key), t.Value)
	}
	fields := m.FieldList()
	buf = binary.AppendUvarint(buf, uint64(len(fields)))
	for _, f := range fields {
		buf = appendString(buf, f.Key)
		switch v := f.Value.(type) {
		case float64:
			buf = binary.LittleEndian.AppendUint64(append(buf, kindFloat), math.Float64bits(v))
		case int64:
			buf = binary.AppendVarint(append(buf, kindInt), v)
		case uint64:
			buf = binary.AppendUvarint(append(buf, kindUint), v)
		case string:
			buf = appendString(append(buf, kindString), v)
		case bool:
			b := byte(0)
			if v {
				b = 1
			}
			buf = append(buf, kindBool, b)
		default:
			return nil, fmt.Errorf("field %s: type %T", f.Key, f.Value)
		}
	}
	return binary.AppendVarint(buf, m.Time().UnixNano()), nil
}

func appendString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}

var errShort = errors.New("metric record: truncated")

// decoder reads a record front to back; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.b = nil
}

// decodeMetric reads a record encodeMetric wrote.
func decodeMetric(rec []byte) (telegraf.Metric, error) {
	d := &decoder{b: rec}
	if v := d.byte(); v != codecVersion {
		return nil, fmt.Errorf("metric record: version %d", v)
	}
	vt := telegraf.ValueType(d.byte())
	name := d.string()
	nt := d.uvarint()
	if nt > uint64(len(d.b)) {
		return nil, errShort
	}
	tags := make(map[string]string, nt)
	for range nt {
		k := d.string()
		tags[k] = d.string()
	}
	nf := d.uvarint()
	if nf > uint64(len(d.b)) {
		return nil, errShort
	}
	fields := make(map[string]any, nf)
	for range nf {
		k := d.string()
		switch kind := d.byte(); kind {
		case kindFloat:
			if len(d.b) < 8 {
				d.fail()
				break
			}
			fields[k] = math.Float64frombits(binary.LittleEndian.Uint64(d.b))
			d.b = d.b[8:]
		case kindInt:
			fields[k] = d.varint()
		case kindUint:
			fields[k] = d.uvarint()
		case kindString:
			fields[k] = d.string()
		case kindBool:
			fields[k] = d.byte() == 1
		default:
			if d.err == nil {
				return nil, fmt.Errorf("metric record: field kind %d", kind)
			}
		}
	}
	ts := d.varint()
	if d.err != nil {
		return nil, d.err
	}
	return metric.New(name, tags, fields, time.Unix(0, ts), vt), nil
}
