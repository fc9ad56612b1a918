;; map<K, V> and list<T, N> as types (Binary.md, Explainer.md keytype,
;; CanonicalABI.md elem_size): validated and exported. Functions over them
;; are in map_fixed_list_calls.wast.
(component definition
  (type $rec (record (field "a" u8)))
  (export $rec' "rec" (type $rec))
  (type $m (map string (list $rec' 3)))
  (export "m" (type $m))
  (type $k (map char (map u64 bool)))
  (export "k" (type $k))
  ;; no flat types to copy (found by the component_parse fuzz target,
  ;; a null pointer given to memcpy under UBSan)
  (type (record (field "a" (list u8 4)) (field "b" (map u8 u8))))
  (type (tuple (list u8 4))))

;; a map key is a boolean, an integer, a char or a string
(assert_invalid
  (component (type (map f32 u8)))
  "map key")
(assert_invalid
  (component (type $r (record (field "a" u8))) (type (map $r u8)))
  "map key")

;; what a map or a fixed-length list holds needs a name outside too
(assert_invalid
  (component
    (type $rec (record (field "a" u8)))
    (type $m (map string $rec))
    (export "m" (type $m)))
  "type not valid to be used as export")
(assert_invalid
  (component
    (type $rec (record (field "a" u8)))
    (type $l (list $rec 2))
    (export "l" (type $l)))
  "type not valid to be used as export")

;; elem_size with 64-bit pointers: a list of 2^24 - 1 records of a
;; string is just below 2^28 bytes, of 2^24 not
(component definition
  (type (list (tuple string) 16777215)))
(assert_invalid
  (component (type (list (tuple string) 16777216)))
  "exceeds maximum byte size")
;; a variant's payload is aligned after its discriminant: 8 + 2^28 - 8
(assert_invalid
  (component (type (variant (case "a" u64) (case "b" (list u64 33554431)))))
  "exceeds maximum byte size")
(component definition
  (type (variant (case "a" u64) (case "b" (list u64 33554430)))))
