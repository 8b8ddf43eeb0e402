import CBLAS
import Foundation
import XCTest

/// Linking `CBLAS` sets OpenBLAS up before `main`: no Swift call is needed, so this test process,
/// which never runs the network, gets the same kernels as the command line.
final class OpenBLASSetUpTests: XCTestCase {
    /// On a CPU with AVX2 or AVX-512, OpenBLAS is not left on its generic "Prescott" kernels
    /// (unless the user chose a core with OPENBLAS_CORETYPE).
    func testKernelsMatchTheCPUWithoutAnySetUpCall() throws {
        try XCTSkipIf(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != nil,
                      "OPENBLAS_CORETYPE chooses the kernels")
        let core = String(cString: openblas_get_corename())
        XCTAssertFalse(core.isEmpty)
        if let supported = fidviz_supported_coretype() {
            XCTAssertNotEqual(core, "Prescott", "this CPU can run \(String(cString: supported))")
        }
    }
}
