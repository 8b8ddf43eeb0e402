import Autograd
import Pixels

/// dgm-eval's DINOv2 preprocessing (`DINOv2Encoder.transform`), up to the network input:
/// the decoded RGB image (PIL `convert('RGB')`), torchvision `Resize((224, 224), BICUBIC)` on it
/// (Pillow's 8-bit bicubic resize, `RGBImage.resizedBicubic`), `ToTensor` (/255 in Float), then
/// `Normalize` with ImageNet's mean and std, which the network applies itself
/// (`DINOv2.callAsFunction`), so that gradients can reach the pixels in [0, 1].
public enum DINOv2Preprocessing {
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// The image resized to 224 x 224 as PIL does it, uint8.
    public static func resized(_ image: RGBImage) -> RGBImage {
        let size = DINOv2Architecture.inputSize
        return image.resizedBicubic(width: size, height: size)
    }

    /// The resized image as [1, 3, 224, 224] in [0, 1] (`ToTensor`): the network's input.
    public static func pixels01(of image: RGBImage) -> Tensor {
        let resized = resized(image)
        return Tensor(shape: [1, 3, resized.height, resized.width], data: resized.planarUnitPixels())
    }

    /// `Normalize(mean, std)` of pixels in [0, 1], [N, 3, H, W] (the first op of the network).
    public static func normalized(_ pixels01: Tensor) -> Tensor {
        pixels01.normalizedChannels(mean: mean, std: std)
    }
}
