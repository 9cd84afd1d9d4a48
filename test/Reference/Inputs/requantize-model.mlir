// A one-op integer model for qcc-run --reference (its output name has a
// character that file names replace).
func.func @main(%x: tensor<2x3xi32> {qcc.name = "x"}) -> (tensor<2x3xi8> {qcc.name = "y:q"}) {
  %y = qnn.requantize %x {input_zp = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 31>,
                          output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64}
      : tensor<2x3xi32> -> tensor<2x3xi8>
  return %y : tensor<2x3xi8>
}
