// Inputs of rescale-wrap.test: rescales whose 64-bit rounding addition
// v * M + 2^(n-1) passes 2^63 - 1 (docs/numerics.md, Fixed-point rescaling).
func.func @main(%x: tensor<6xi32> {qcc.name = "x"}, %a: tensor<3xi16> {qcc.name = "a"},
                %b: tensor<3xi16> {qcc.name = "b"})
    -> (tensor<6xi32> {qcc.name = "r"}, tensor<3xi32> {qcc.name = "m"}) {
  %r = qnn.requantize %x {input_zp = -2147483648 : i64, multiplier = array<i32: 2147483647>, shift = array<i32: 62>,
                          output_zp = 0 : i64, clamp_min = -2147483648 : i64, clamp_max = 2147483647 : i64}
      : tensor<6xi32> -> tensor<6xi32>
  %m = qnn.qmul %a, %b {a_zp = -32768 : i64, b_zp = -32768 : i64, multiplier = 2147483647 : i64, shift = 62 : i64,
                        output_zp = 0 : i64, clamp_min = -2147483648 : i64, clamp_max = 2147483647 : i64}
      : (tensor<3xi16>, tensor<3xi16>) -> tensor<3xi32>
  return %r, %m : tensor<6xi32>, tensor<3xi32>
}
