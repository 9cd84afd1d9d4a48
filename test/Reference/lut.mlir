// qnn.lut: y = table[x - min(type of x)], 256 entries; i8 operands index
// from -128, ui8 operands from 0; ui8 tables hold values above 127. With
// `first` (16-bit operands), y = table[clamp(x, first, first + N - 1) - first].
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/s.npy', np.array([-128, -127, -1, 0, 1, 126, 127], np.int8)); np.save('%t/u.npy', np.array([0, 1, 127, 128, 254, 255], np.uint8))"
// RUN: qcc-reference %s --entry signed --input x=%t/s.npy --print | FileCheck %s --check-prefix=S
// RUN: qcc-reference %s --entry unsigned --input x=%t/u.npy --print | FileCheck %s --check-prefix=U
// RUN: qcc-reference %s --entry unsigned --input x=%t/u.npy --output-dir %t/out
// RUN: %python -c "import numpy as np; a = np.load('%t/out/y.npy'); print(a.dtype, a.tolist())" | FileCheck %s --check-prefix=NPY
// RUN: %python -c "import numpy as np; np.save('%t/w.npy', np.array([0, 99, 100, 101, 103, 104, 105, 65535], np.uint16)); np.save('%t/v.npy', np.array([-32768, -3, -2, 0, 2, 3, 32767], np.int16))"
// RUN: qcc-reference %s --entry window --input x=%t/w.npy --print | FileCheck %s --check-prefix=W
// RUN: qcc-reference %s --entry window_signed --input x=%t/v.npy --print | FileCheck %s --check-prefix=V

// Table i -> i - 100 (wrapping in i8): x = -128 reads entry 0.
// S: y: tensor<7xi8> = [-100, -99, 27, 28, 29, -102, -101]
func.func @signed(%x: tensor<7xi8> {qcc.name = "x"}) -> (tensor<7xi8> {qcc.name = "y"}) {
  %y = qnn.lut %x {table = dense<[-100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101]> : tensor<256xi8>}
      : tensor<7xi8> -> tensor<7xi8>
  return %y : tensor<7xi8>
}

// Table i -> 255 - i on ui8: entries above 127 come back unsigned.
// U: y: tensor<6xui8> = [255, 254, 128, 127, 1, 0]
// NPY: uint8 [255, 254, 128, 127, 1, 0]
func.func @unsigned(%x: tensor<6xui8> {qcc.name = "x"}) -> (tensor<6xui8> {qcc.name = "y"}) {
  %y = qnn.lut %x {table = dense<[255, 254, 253, 252, 251, 250, 249, 248, 247, 246, 245, 244, 243, 242, 241, 240, 239, 238, 237, 236, 235, 234, 233, 232, 231, 230, 229, 228, 227, 226, 225, 224, 223, 222, 221, 220, 219, 218, 217, 216, 215, 214, 213, 212, 211, 210, 209, 208, 207, 206, 205, 204, 203, 202, 201, 200, 199, 198, 197, 196, 195, 194, 193, 192, 191, 190, 189, 188, 187, 186, 185, 184, 183, 182, 181, 180, 179, 178, 177, 176, 175, 174, 173, 172, 171, 170, 169, 168, 167, 166, 165, 164, 163, 162, 161, 160, 159, 158, 157, 156, 155, 154, 153, 152, 151, 150, 149, 148, 147, 146, 145, 144, 143, 142, 141, 140, 139, 138, 137, 136, 135, 134, 133, 132, 131, 130, 129, 128, 127, 126, 125, 124, 123, 122, 121, 120, 119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 109, 108, 107, 106, 105, 104, 103, 102, 101, 100, 99, 98, 97, 96, 95, 94, 93, 92, 91, 90, 89, 88, 87, 86, 85, 84, 83, 82, 81, 80, 79, 78, 77, 76, 75, 74, 73, 72, 71, 70, 69, 68, 67, 66, 65, 64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]> : tensor<256xui8>}
      : tensor<6xui8> -> tensor<6xui8>
  return %y : tensor<6xui8>
}

// A window of 5 entries over ui16 inputs 100..104: inputs below read the
// first entry, inputs above the last.
// W: y: tensor<8xui8> = [10, 10, 10, 20, 40, 50, 50, 50]
func.func @window(%x: tensor<8xui16> {qcc.name = "x"}) -> (tensor<8xui8> {qcc.name = "y"}) {
  %y = qnn.lut %x {first = 100 : i64, table = dense<[10, 20, 30, 40, 50]> : tensor<5xui8>}
      : tensor<8xui16> -> tensor<8xui8>
  return %y : tensor<8xui8>
}

// i16 inputs -2..2 to i16 results (a 16-bit table).
// V: y: tensor<7xi16> = [-300, -300, -300, 0, 300, 300, 300]
func.func @window_signed(%x: tensor<7xi16> {qcc.name = "x"}) -> (tensor<7xi16> {qcc.name = "y"}) {
  %y = qnn.lut %x {first = -2 : i64, table = dense<[-300, -100, 0, 100, 300]> : tensor<5xi16>}
      : tensor<7xi16> -> tensor<7xi16>
  return %y : tensor<7xi16>
}
