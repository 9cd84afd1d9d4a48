// qnn.update_slice on f32 and i8: a 1x2x2 block written into a 2x3x4 tensor
// at run-time offsets (clamped so the block fits).
func.func @main(%x: tensor<2x3x4xf32> {qcc.name = "x"}, %u: tensor<1x2x2xf32> {qcc.name = "u"},
                %xi: tensor<2x3x4xi8> {qcc.name = "xi"}, %ui: tensor<1x2x2xi8> {qcc.name = "ui"},
                %o: tensor<3xi64> {qcc.name = "o"})
    -> (tensor<2x3x4xf32> {qcc.name = "y"}, tensor<2x3x4xi8> {qcc.name = "yi"}) {
  %y = qnn.update_slice %x, %u, %o : (tensor<2x3x4xf32>, tensor<1x2x2xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  %yi = qnn.update_slice %xi, %ui, %o : (tensor<2x3x4xi8>, tensor<1x2x2xi8>, tensor<3xi64>) -> tensor<2x3x4xi8>
  return %y, %yi : tensor<2x3x4xf32>, tensor<2x3x4xi8>
}
