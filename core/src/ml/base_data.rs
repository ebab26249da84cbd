//! `base_embeddings.bin`: the base training set as int8 sentence embeddings, for re-fitting
//! the head on the device without shipping the texts.
//!
//! Layout, all little-endian:
//!
//! ```text
//! magic        b"BLEMB1"
//! rows         u32
//! dim          u32
//! label_count  u32
//! labels       label_count x (u16 byte length, UTF-8 bytes)
//! rows x {
//!   label      u8   index into labels
//!   split      u8   0 train, 1 held-out
//!   kind       u8   0 mh7, 1 everyday, 2 hard negative
//!   reserved   u8
//!   scale      f32  embedding[i] = value[i] as f32 * scale
//!   values     dim x i8
//! }
//! ```
//!
//! The reader checks every length against the bytes actually there before allocating, so a
//! truncated or hostile file gives [`MlError::Model`], never a panic or a huge allocation.

use std::path::Path;

use super::MlError;

pub const MAGIC: &[u8; 6] = b"BLEMB1";
/// Upper bounds that keep a hostile header from asking for absurd work.
pub const MAX_DIM: usize = 4096;
pub const MAX_LABELS: usize = 256;
pub const MAX_FILE_BYTES: u64 = 1 << 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    HeldOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A row of the mh7 training data.
    Mh7,
    /// An everyday message (the flag should stay down).
    Everyday,
    /// A hard negative: close to a risk class in wording, but not one.
    HardNegative,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BaseRow {
    /// Index into [`BaseData::labels`].
    pub label: usize,
    pub split: Split,
    pub kind: Kind,
    pub embedding: Vec<f32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BaseData {
    pub dim: usize,
    pub labels: Vec<String>,
    pub rows: Vec<BaseRow>,
}

impl BaseData {
    pub fn read(path: &Path) -> Result<BaseData, MlError> {
        let unavailable = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::NotFound {
                MlError::Unavailable(format!("base data {} is missing", path.display()))
            } else {
                MlError::Unavailable(format!("cannot read {}: {e}", path.display()))
            }
        };
        let len = std::fs::metadata(path).map_err(unavailable)?.len();
        if len > MAX_FILE_BYTES {
            return Err(MlError::Model(format!(
                "{}: {len} bytes is more than the {MAX_FILE_BYTES} allowed",
                path.display()
            )));
        }
        let bytes = std::fs::read(path).map_err(unavailable)?;
        BaseData::parse(&bytes).map_err(|e| match e {
            MlError::Model(m) => MlError::Model(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn parse(bytes: &[u8]) -> Result<BaseData, MlError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(bad("not a base embeddings file (bad magic)"));
        }
        let rows = r.u32("row count")? as usize;
        let dim = r.u32("dim")? as usize;
        let label_count = r.u32("label count")? as usize;
        if dim == 0 || dim > MAX_DIM {
            return Err(bad(format!("dim {dim} is outside 1..={MAX_DIM}")));
        }
        if label_count == 0 || label_count > MAX_LABELS {
            return Err(bad(format!(
                "label count {label_count} is outside 1..={MAX_LABELS}"
            )));
        }
        let mut labels = Vec::with_capacity(label_count);
        for i in 0..label_count {
            let n = usize::from(r.u16("label length")?);
            let raw = r.take(n, "label")?;
            let label =
                std::str::from_utf8(raw).map_err(|_| bad(format!("label {i} is not UTF-8")))?;
            labels.push(label.to_owned());
        }
        let row_bytes = 8 + dim;
        let body = rows
            .checked_mul(row_bytes)
            .ok_or_else(|| bad("row count overflows"))?;
        let remaining = bytes.len() - r.at;
        if body != remaining {
            return Err(bad(format!(
                "{rows} rows of {row_bytes} bytes need {body} bytes, the file has {remaining}"
            )));
        }
        let mut out = Vec::with_capacity(rows);
        for i in 0..rows {
            let label = usize::from(r.u8("label")?);
            let split = match r.u8("split")? {
                0 => Split::Train,
                1 => Split::HeldOut,
                s => return Err(bad(format!("row {i}: unknown split {s}"))),
            };
            let kind = match r.u8("kind")? {
                0 => Kind::Mh7,
                1 => Kind::Everyday,
                2 => Kind::HardNegative,
                k => return Err(bad(format!("row {i}: unknown kind {k}"))),
            };
            r.u8("reserved")?;
            let scale = f32::from_le_bytes(r.array("scale")?);
            if label >= label_count {
                return Err(bad(format!("row {i}: label {label} of {label_count}")));
            }
            if !scale.is_finite() || scale < 0.0 {
                return Err(bad(format!(
                    "row {i}: scale {scale} is not a finite non-negative number"
                )));
            }
            let values = r.take(dim, "values")?;
            let embedding = values.iter().map(|v| f32::from(*v as i8) * scale).collect();
            out.push(BaseRow {
                label,
                split,
                kind,
                embedding,
            });
        }
        Ok(BaseData {
            dim,
            labels,
            rows: out,
        })
    }

    /// Writes the file format (each row quantised with scale = max|x| / 127).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + self.rows.len() * (8 + self.dim));
        out.extend_from_slice(MAGIC);
        for n in [self.rows.len(), self.dim, self.labels.len()] {
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        for label in &self.labels {
            let bytes = &label.as_bytes()[..label.len().min(usize::from(u16::MAX))];
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        for row in &self.rows {
            let max = row.embedding.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
            let scale = if max > 0.0 { max / 127.0 } else { 0.0 };
            out.push(row.label as u8);
            out.push(match row.split {
                Split::Train => 0,
                Split::HeldOut => 1,
            });
            out.push(match row.kind {
                Kind::Mh7 => 0,
                Kind::Everyday => 1,
                Kind::HardNegative => 2,
            });
            out.push(0);
            out.extend_from_slice(&scale.to_le_bytes());
            for i in 0..self.dim {
                let v = row.embedding.get(i).copied().unwrap_or(0.0);
                let q = if scale > 0.0 {
                    (v / scale).round().clamp(-127.0, 127.0)
                } else {
                    0.0
                };
                out.push(q as i8 as u8);
            }
        }
        out
    }
}

fn bad(message: impl Into<String>) -> MlError {
    MlError::Model(message.into())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], MlError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len());
        match end {
            Some(end) => {
                let slice = &self.bytes[self.at..end];
                self.at = end;
                Ok(slice)
            }
            None => Err(bad(format!("truncated: {what} at byte {}", self.at))),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], MlError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &str) -> Result<u8, MlError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, MlError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    fn u32(&mut self, what: &str) -> Result<u32, MlError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BaseData {
        BaseData {
            dim: 3,
            labels: vec!["Normal".into(), "Suicidal".into(), "Ängst".into()],
            rows: vec![
                BaseRow {
                    label: 0,
                    split: Split::Train,
                    kind: Kind::Mh7,
                    embedding: vec![0.5, -0.25, 0.0],
                },
                BaseRow {
                    label: 1,
                    split: Split::HeldOut,
                    kind: Kind::HardNegative,
                    embedding: vec![-1.0, 0.5, 0.127],
                },
                BaseRow {
                    label: 2,
                    split: Split::Train,
                    kind: Kind::Everyday,
                    embedding: vec![0.0, 0.0, 0.0],
                },
            ],
        }
    }

    /// A file written byte by byte, independently of `to_bytes`.
    fn hand_built() -> Vec<u8> {
        let mut b = b"BLEMB1".to_vec();
        b.extend_from_slice(&2u32.to_le_bytes()); // rows
        b.extend_from_slice(&2u32.to_le_bytes()); // dim
        b.extend_from_slice(&2u32.to_le_bytes()); // labels
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(b"a");
        b.extend_from_slice(&2u16.to_le_bytes());
        b.extend_from_slice(b"bc");
        b.extend_from_slice(&[1, 0, 2, 0]);
        b.extend_from_slice(&0.5f32.to_le_bytes());
        b.extend_from_slice(&[2, (-4i8) as u8]);
        b.extend_from_slice(&[0, 1, 1, 0]);
        b.extend_from_slice(&1.0f32.to_le_bytes());
        b.extend_from_slice(&[127, (-128i8) as u8]);
        b
    }

    #[test]
    fn reads_a_hand_built_file() {
        let data = BaseData::parse(&hand_built()).unwrap();
        assert_eq!(data.dim, 2);
        assert_eq!(data.labels, vec!["a", "bc"]);
        assert_eq!(data.rows.len(), 2);
        assert_eq!(data.rows[0].label, 1);
        assert_eq!(data.rows[0].split, Split::Train);
        assert_eq!(data.rows[0].kind, Kind::HardNegative);
        assert_eq!(data.rows[0].embedding, vec![1.0, -2.0]);
        assert_eq!(data.rows[1].split, Split::HeldOut);
        assert_eq!(data.rows[1].kind, Kind::Everyday);
        assert_eq!(data.rows[1].embedding, vec![127.0, -128.0]);
    }

    #[test]
    fn round_trips_within_quantisation() {
        let data = sample();
        let back = BaseData::parse(&data.to_bytes()).unwrap();
        assert_eq!(back.labels, data.labels);
        for (a, b) in back.rows.iter().zip(&data.rows) {
            assert_eq!((a.label, a.split, a.kind), (b.label, b.split, b.kind));
            for (x, y) in a.embedding.iter().zip(&b.embedding) {
                assert!((x - y).abs() <= 1.0 / 127.0, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = hand_built();
        for n in 0..bytes.len() {
            let err = BaseData::parse(&bytes[..n]).unwrap_err();
            assert!(matches!(err, MlError::Model(_)), "{n}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(BaseData::parse(&longer).is_err(), "trailing bytes");
    }

    #[test]
    fn bad_fields_are_errors() {
        let base = hand_built();
        let header = 6 + 12 + 3 + 4;
        let cases: Vec<(usize, u8)> = vec![
            (0, b'X'),       // magic
            (header, 9),     // label index
            (header + 1, 2), // split
            (header + 2, 3), // kind
        ];
        for (at, value) in cases {
            let mut b = base.clone();
            b[at] = value;
            assert!(BaseData::parse(&b).is_err(), "byte {at} = {value}");
        }
        let mut b = base.clone();
        b[header + 4..header + 8].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(BaseData::parse(&b).is_err(), "NaN scale");
    }

    #[test]
    fn hostile_headers_do_not_allocate() {
        let mut b = b"BLEMB1".to_vec();
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(&4096u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.push(b'a');
        assert!(BaseData::parse(&b).is_err());
        let mut b = b"BLEMB1".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        assert!(BaseData::parse(&b).is_err());
        let mut b = b"BLEMB1".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(BaseData::parse(&b).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let mut state = 5_u64;
        for len in 0..300 {
            let mut b: Vec<u8> = (0..len)
                .map(|_| (crate::ml::head::unit_noise(&mut state) * 256.0) as u8)
                .collect();
            let _ = BaseData::parse(&b);
            if b.len() >= 6 {
                b[..6].copy_from_slice(MAGIC);
                let _ = BaseData::parse(&b);
            }
        }
    }

    /// The real file, when it is in the checkout (or BLOOM_ML_MODEL_DIR).
    #[test]
    fn reads_the_real_file() {
        let dir = std::env::var_os("BLOOM_ML_MODEL_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/mh7")
            });
        let path = dir.join("base_embeddings.bin");
        if !path.is_file() {
            eprintln!("skipped: {} not present", path.display());
            return;
        }
        let data = BaseData::read(&path).unwrap();
        assert_eq!(data.dim, crate::ml::EMBEDDING_DIM);
        assert!(data.labels.iter().any(|l| l == "Suicidal"));
        assert!(data.rows.iter().any(|r| r.split == Split::HeldOut));
        assert!(data.rows.iter().any(|r| r.kind == Kind::Everyday));
        for row in &data.rows {
            let norm: f32 = row.embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!(
                (norm - 1.0).abs() < 0.01,
                "dequantised embeddings stay near unit length: {norm}"
            );
        }
        eprintln!("{} rows, labels {:?}", data.rows.len(), data.labels);
    }

    #[test]
    fn missing_file_is_unavailable() {
        let err = BaseData::read(Path::new("/nonexistent/base_embeddings.bin")).unwrap_err();
        assert!(matches!(err, MlError::Unavailable(_)));
        assert!(err.to_string().contains("base_embeddings.bin"));
    }
}
