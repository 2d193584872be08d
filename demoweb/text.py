"""Vietnamese news text for the demo web, written for this project (no third-party text).

Each plan theme has its own title, lead and body sentences, so a classifier trained on the demo web
has real signal; non-theme news (sport, culture, traffic, farm prices, weather, administration) uses
the same official style so that style alone gives nothing away. Slots in braces are filled per article.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

PLACES = ["TP. Buôn Ma Thuột", "thị xã Buôn Hồ", "huyện Ea Kar", "huyện Krông Pắc", "huyện Cư M'gar",
          "huyện Krông Năng", "huyện Ea H'leo", "huyện Lắk", "huyện Krông Bông", "huyện M'Đrắk",
          "huyện Buôn Đôn", "huyện Ea Súp", "huyện Cư Kuin", "huyện Krông Ana", "huyện Krông Búk"]
COMMUNES = ["xã Ea Tu", "xã Hòa Thắng", "xã Cư Êbur", "xã Ea Kao", "phường Tân Lợi", "xã Ea Phê",
            "xã Krông Jing", "xã Yang Mao", "xã Ea Bhốk", "xã Dray Sáp", "thị trấn Phước An", "xã Ea Sin"]
PEOPLE = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Quang Vinh", "Phạm Thị Hà", "Y Thuyên Niê",
          "H'Hoa Byă", "Hoàng Minh Đức", "Đỗ Thị Lan", "Vũ Đình Phúc", "Bùi Thanh Sơn"]
AUTHORS = ["Hoàng Lan", "Minh Thuận", "Quang Nhật", "Thu Hiền", "H'Xíu", "Ngọc Ánh", "Đức Thảo",
           "Phương Nga", "Văn Tiến", "Kim Oanh"]
ORDINALS = ["hai", "ba", "tư", "năm", "sáu"]


@dataclass(frozen=True)
class Topic:
    titles: tuple[str, ...]
    leads: tuple[str, ...]
    sentences: tuple[str, ...]


T = Topic
THEME_TOPICS: dict[str, Topic] = {
    "congress-results": T(
        ("{unit} tọa đàm về thành công của Đại hội XIII của Đảng",
         "Dư luận tích cực về kết quả Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII",
         "Cán bộ, đảng viên {place} phấn khởi trước thành công Đại hội XIII",
         "Thông báo nhanh kết quả Đại hội đại biểu toàn quốc lần thứ XIII của Đảng tại {place}"),
        ("Ngày {day}, {unit} tổ chức buổi thông tin về kết quả Đại hội đại biểu toàn quốc lần thứ XIII của Đảng cho cán bộ, đảng viên.",
         "Thành công của Đại hội XIII và Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII tạo niềm tin, khí thế mới trong Nhân dân {place}."),
        ("Đại hội đã bầu Ban Chấp hành Trung ương khóa XIII gồm những đồng chí tiêu biểu về phẩm chất, năng lực.",
         "Nhiều ý kiến cho rằng kết quả Đại hội là niềm tự hào của toàn Đảng, toàn dân, toàn quân.",
         "Đại hội đại biểu Đảng bộ tỉnh lần thứ XVII đã thành công tốt đẹp, bầu Ban Chấp hành Đảng bộ tỉnh nhiệm kỳ 2020-2025.",
         "Cử tri {place} bày tỏ tin tưởng vào đường lối mà Đại hội XIII của Đảng đã đề ra.",
         "Thành công của Đại hội là động lực để cán bộ, đảng viên ra sức thi đua hoàn thành nhiệm vụ.")),
    "resolution-content": T(
        ("Những điểm mới trong văn kiện Đại hội XIII của Đảng",
         "Ba đột phá chiến lược trong Nghị quyết Đại hội XIII: từ nhận thức đến hành động",
         "Khát vọng phát triển đất nước phồn vinh, hạnh phúc nhìn từ {place}",
         "Sáu nhiệm vụ trọng tâm nhiệm kỳ Đại hội XIII và trách nhiệm của {unit}"),
        ("Văn kiện Đại hội XIII của Đảng có nhiều điểm mới về tư duy lý luận và định hướng phát triển đất nước.",
         "Nghị quyết Đại hội XIII xác định 12 định hướng phát triển, 6 nhiệm vụ trọng tâm và 3 đột phá chiến lược."),
        ("Chủ đề Đại hội thể hiện khát vọng phát triển đất nước phồn vinh, hạnh phúc.",
         "Mục tiêu đến năm 2025 là nước đang phát triển, có công nghiệp theo hướng hiện đại; tầm nhìn đến năm 2045 trở thành nước phát triển, thu nhập cao.",
         "Ba đột phá chiến lược gồm hoàn thiện thể chế, phát triển nguồn nhân lực và xây dựng hệ thống kết cấu hạ tầng đồng bộ.",
         "Văn kiện nhấn mạnh vai trò của văn hóa và con người Việt Nam là sức mạnh nội sinh.",
         "Điểm mới của văn kiện là đặt yêu cầu phát huy sức mạnh khối đại đoàn kết toàn dân tộc lên hàng đầu.")),
    "resolution-study": T(
        ("{unit} tổ chức hội nghị học tập, quán triệt Nghị quyết Đại hội XIII của Đảng",
         "{place} ban hành chương trình hành động thực hiện Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII",
         "Hội nghị trực tuyến học tập, quán triệt Nghị quyết Hội nghị Trung ương lần thứ {ord} khóa XIII",
         "Đưa Nghị quyết vào cuộc sống ở {commune}"),
        ("Sáng {day}, {unit} tổ chức hội nghị học tập, quán triệt, triển khai thực hiện Nghị quyết Đại hội XIII của Đảng cho hơn {n} cán bộ, đảng viên.",
         "Thực hiện kế hoạch của Ban Thường vụ Tỉnh ủy, {unit} đã xây dựng chương trình hành động thực hiện Nghị quyết."),
        ("Các báo cáo viên đã truyền đạt những nội dung cốt lõi của Nghị quyết.",
         "Hội nghị được tổ chức theo hình thức trực tiếp kết hợp trực tuyến đến các điểm cầu cơ sở.",
         "Sau hội nghị, mỗi cán bộ, đảng viên viết bài thu hoạch và xây dựng kế hoạch làm theo.",
         "Đơn vị yêu cầu cụ thể hóa Nghị quyết thành kế hoạch thực hiện phù hợp với điều kiện thực tế.",
         "Việc học tập, quán triệt Nghị quyết được thực hiện nghiêm túc, đúng kế hoạch, bảo đảm chất lượng.")),
    "socioeconomic-goals": T(
        ("{place}: thu ngân sách năm {year} đạt {pct}% dự toán",
         "Kinh tế - xã hội {place} 9 tháng năm {year} tiếp tục phục hồi",
         "GRDP của tỉnh Đắk Lắk năm {year} ước tăng {small}%",
         "{unit} đẩy nhanh giải ngân vốn đầu tư công năm {year}",
         "Triển khai Nghị quyết 02-NQ/TU về nhiệm vụ phát triển kinh tế - xã hội"),
        ("Theo báo cáo của {unit}, tình hình kinh tế - xã hội của {place} trong năm {year} có nhiều chuyển biến tích cực.",
         "Năm {year}, tốc độ tăng trưởng kinh tế (GRDP) của tỉnh ước đạt {small}%, thu ngân sách vượt dự toán."),
        ("Tổng thu ngân sách nhà nước trên địa bàn ước đạt {n} tỷ đồng, bằng {pct}% dự toán.",
         "Tỷ lệ giải ngân vốn đầu tư công đến nay đạt {pct}% kế hoạch vốn được giao.",
         "Sản xuất nông nghiệp ổn định, diện tích cây công nghiệp lâu năm tiếp tục tăng.",
         "Tỷ lệ hộ nghèo giảm {small}% so với cùng kỳ, vượt chỉ tiêu Nghị quyết đề ra.",
         "Các chỉ tiêu kinh tế - xã hội chủ yếu đều đạt và vượt kế hoạch.",
         "Địa phương tập trung tháo gỡ khó khăn cho doanh nghiệp, cải thiện môi trường đầu tư kinh doanh.")),
    "central-plenums-na": T(
        ("Bế mạc Hội nghị lần thứ {ord} Ban Chấp hành Trung ương Đảng khóa XIII",
         "Cử tri {place} kỳ vọng vào kết quả Hội nghị Trung ương {ord} khóa XIII",
         "Kỳ họp thứ 11 Quốc hội khóa XIV hoàn thành công tác kiện toàn nhân sự Nhà nước"),
        ("Sau thời gian làm việc khẩn trương, Hội nghị lần thứ {ord} Ban Chấp hành Trung ương Đảng khóa XIII đã hoàn thành toàn bộ nội dung chương trình đề ra.",
         "Kỳ họp thứ 11 Quốc hội khóa XIV đã bầu, phê chuẩn các chức danh lãnh đạo chủ chốt của Nhà nước."),
        ("Ban Chấp hành Trung ương đã thảo luận, thống nhất nhiều vấn đề quan trọng về kinh tế - xã hội.",
         "Quốc hội đã miễn nhiệm và bầu Chủ tịch nước, Thủ tướng Chính phủ theo quy định.",
         "Cán bộ, đảng viên đánh giá cao tinh thần đoàn kết, trí tuệ của Hội nghị Trung ương.",
         "Các quyết định của Hội nghị được cử tri cả nước đồng tình, ủng hộ.")),
    "elections-2021": T(
        ("{place}: {pct}% cử tri đi bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp",
         "Người ứng cử đại biểu HĐND tỉnh tiếp xúc cử tri {commune}",
         "Kỳ họp thứ nhất HĐND {place} khóa mới, nhiệm kỳ 2021-2026",
         "{unit} kiểm tra công tác chuẩn bị bầu cử tại {commune}",
         "Tổng kết công tác bầu cử đại biểu Quốc hội khóa XV và HĐND các cấp nhiệm kỳ 2021-2026"),
        ("Ngày {day}, cử tri {place} nô nức đi bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp nhiệm kỳ 2021-2026.",
         "Thực hiện kế hoạch của Ủy ban bầu cử, {unit} đã phối hợp tổ chức hội nghị tiếp xúc cử tri với những người ứng cử."),
        ("Toàn địa bàn có {n} tổ bầu cử, danh sách cử tri được niêm yết công khai đúng quy định.",
         "Các ứng cử viên đã trình bày chương trình hành động nếu được cử tri tín nhiệm.",
         "Cử tri kiến nghị nhiều nội dung về giao thông nông thôn, giá vật tư nông nghiệp và đất đai.",
         "Cuộc bầu cử diễn ra an toàn, dân chủ, đúng luật, thực sự là ngày hội của toàn dân.",
         "Tại kỳ họp thứ nhất, HĐND đã bầu các chức danh chủ chốt nhiệm kỳ 2021-2026.")),
    "emulation-movements": T(
        ("{unit} phát động phong trào thi đua yêu nước năm {year}",
         "Đợt thi đua cao điểm chào mừng các ngày lễ lớn tại {place}",
         "Phong trào thi đua \"Cả nước chung tay vì người nghèo\" ở {commune}"),
        ("{unit} vừa tổ chức lễ phát động phong trào thi đua yêu nước, thi đua thực hiện thắng lợi nhiệm vụ chính trị năm {year}.",
         "Hưởng ứng phong trào thi đua do Thủ tướng Chính phủ phát động, {place} đã triển khai nhiều đợt thi đua cao điểm."),
        ("Phong trào thi đua gắn với chương trình hành động cách mạng của các tầng lớp Nhân dân.",
         "Các tập thể, cá nhân ký cam kết giao ước thi đua hoàn thành xuất sắc nhiệm vụ.",
         "Phong trào thi đua yêu nước được triển khai sâu rộng đến từng chi bộ, khu dân cư.",
         "Kết thúc đợt thi đua, đơn vị sẽ sơ kết, khen thưởng kịp thời các tập thể, cá nhân tiêu biểu.")),
    "ho-chi-minh-study": T(
        ("{unit} sơ kết thực hiện Chỉ thị 05-CT/TW về học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
         "Học tập và làm theo Bác ở {commune}: từ những việc làm nhỏ",
         "Chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm {year}"),
        ("Thực hiện Chỉ thị 05-CT/TW của Bộ Chính trị, {unit} đã triển khai chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh năm {year}.",
         "Việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh đã trở thành nền nếp sinh hoạt của chi bộ."),
        ("Mỗi cán bộ, đảng viên đăng ký nội dung làm theo gắn với nhiệm vụ được giao.",
         "Nhiều tấm gương học tập và làm theo Bác được biểu dương tại hội nghị.",
         "Chỉ thị 05-CT/TW đã tạo chuyển biến rõ nét trong nhận thức và hành động của cán bộ, đảng viên.",
         "Người đứng đầu cấp ủy phải gương mẫu, nêu gương trong học tập và làm theo Bác.")),
    "implementation-review": T(
        ("Sơ kết một năm thực hiện Nghị quyết Đại hội Đảng bộ {place}",
         "{unit} đánh giá giữa kỳ thực hiện Nghị quyết Đại hội nhiệm kỳ 2020-2025",
         "Bài học kinh nghiệm sau một năm đưa Nghị quyết Đại hội XIII vào cuộc sống"),
        ("{unit} vừa tổ chức hội nghị sơ kết một năm thực hiện Nghị quyết Đại hội XIII của Đảng và Nghị quyết Đại hội Đảng bộ tỉnh lần thứ XVII.",
         "Sau một năm thực hiện Nghị quyết, {place} đạt được nhiều kết quả quan trọng, song vẫn còn những hạn chế cần khắc phục."),
        ("Hội nghị chỉ ra những khó khăn, hạn chế và rút ra bài học kinh nghiệm trong chỉ đạo, điều hành.",
         "Có {n}/{n2} chỉ tiêu chủ yếu của Nghị quyết đạt và vượt tiến độ đề ra.",
         "Chiến lược phát triển kinh tế - xã hội 10 năm 2021-2030 được cụ thể hóa bằng các chương trình, đề án.",
         "Hội nghị thống nhất các giải pháp trọng tâm cho chặng đường còn lại của nhiệm kỳ.")),
    "party-building": T(
        ("{unit} triển khai nhiệm vụ kiểm tra, giám sát năm {year}",
         "Đẩy mạnh phòng, chống tham nhũng, tiêu cực tại {place}",
         "Xây dựng, chỉnh đốn Đảng gắn với công tác cán bộ ở {place}",
         "Kỷ luật đảng viên vi phạm trong quản lý đất đai tại {commune}"),
        ("Ủy ban Kiểm tra {unit} vừa tổ chức hội nghị triển khai nhiệm vụ kiểm tra, giám sát và thi hành kỷ luật đảng năm {year}.",
         "Công tác xây dựng, chỉnh đốn Đảng và hệ thống chính trị ở {place} có nhiều chuyển biến."),
        ("Năm qua, cấp ủy đã kiểm tra {n} tổ chức đảng và đảng viên khi có dấu hiệu vi phạm.",
         "Công tác quy hoạch, luân chuyển, đào tạo cán bộ được thực hiện công khai, minh bạch.",
         "Phòng, chống tham nhũng, lãng phí, tiêu cực được xác định là nhiệm vụ thường xuyên.",
         "Đơn vị đã thi hành kỷ luật nghiêm minh đối với những đảng viên vi phạm.")),
    "exemplary-models": T(
        ("Tuyên dương {n} điển hình tiên tiến giai đoạn 2021-2025 tại {place}",
         "Gương người tốt việc tốt ở {commune}",
         "Mô hình hay, cách làm sáng tạo trong phát triển kinh tế hộ gia đình ở {place}",
         "Ông {person}: tấm gương sáng trong lao động sản xuất"),
        ("{unit} vừa tổ chức hội nghị biểu dương các điển hình tiên tiến, gương người tốt việc tốt năm {year}.",
         "Nhắc đến {person} ở {commune}, bà con ai cũng quý mến bởi tinh thần sẵn sàng giúp đỡ cộng đồng."),
        ("Dịp này, {n} tập thể và cá nhân được khen thưởng vì có thành tích xuất sắc.",
         "Mô hình của gia đình ông cho thu nhập ổn định và tạo việc làm cho nhiều lao động địa phương.",
         "Những cách làm sáng tạo được nhân rộng, lan tỏa trong cộng đồng.",
         "Điển hình tiên tiến là nhân tố tích cực thúc đẩy phong trào thi đua ở cơ sở.")),
    "covid-prevention": T(
        ("{place} ghi nhận thêm {n} ca mắc COVID-19 trong ngày",
         "Đẩy nhanh tiêm vắc xin phòng COVID-19 cho người dân {place}",
         "{unit} triển khai biện pháp phòng, chống dịch COVID-19 trong tình hình mới",
         "Hỗ trợ người lao động gặp khó khăn do đại dịch COVID-19 tại {commune}"),
        ("Theo Sở Y tế, tính đến ngày {day}, trên địa bàn {place} ghi nhận thêm {n} ca mắc COVID-19.",
         "Trước diễn biến phức tạp của dịch COVID-19, {unit} yêu cầu các đơn vị thực hiện nghiêm biện pháp phòng, chống dịch."),
        ("Tỷ lệ tiêm vắc xin phòng COVID-19 mũi 2 cho người từ 18 tuổi trở lên đạt {pct}%.",
         "Các F0 được điều trị tại nhà theo hướng dẫn của ngành y tế.",
         "Địa phương thực hiện giãn cách xã hội theo Chỉ thị 16 tại các khu vực có nguy cơ cao.",
         "Người dân được khuyến cáo thực hiện tốt thông điệp 5K để phòng, chống dịch.",
         "Các tổ COVID cộng đồng tích cực rà soát, theo dõi người từ vùng dịch về địa phương.")),
    "ideology-defense": T(
        ("Nhận diện và phản bác luận điệu xuyên tạc về Nghị quyết Đại hội XIII",
         "Bảo vệ nền tảng tư tưởng của Đảng trên không gian mạng",
         "Tỉnh táo trước các quan điểm sai trái, thù địch về vấn đề dân tộc, tôn giáo ở Tây Nguyên"),
        ("Thời gian gần đây, các thế lực thù địch lợi dụng mạng xã hội để tung ra luận điệu xuyên tạc chủ trương, đường lối của Đảng.",
         "Đấu tranh phản bác các quan điểm sai trái, thù địch là nhiệm vụ quan trọng để bảo vệ nền tảng tư tưởng của Đảng."),
        ("Cán bộ, đảng viên cần nâng cao cảnh giác, không chia sẻ thông tin sai sự thật.",
         "Thực tiễn phát triển của địa phương là minh chứng bác bỏ những luận điệu xuyên tạc.",
         "Lực lượng nòng cốt tích cực đăng tải thông tin tích cực, lấy xây làm chính.",
         "Các luận điệu sai trái về quyền con người, tự do tôn giáo đều không có cơ sở.")),
}

NONE_TOPICS: dict[str, Topic] = {
    "sport": T(
        ("Khai mạc Giải bóng đá thiếu niên {place} năm {year}",
         "Vận động viên Đắk Lắk giành {n} huy chương tại giải điền kinh toàn quốc",
         "Giải việt dã Buôn Ma Thuột mở rộng thu hút {n} vận động viên"),
        ("Tối {day}, tại sân vận động trung tâm, Ban Tổ chức đã khai mạc giải thể thao năm {year}.",),
        ("Giải đấu có {n} đội bóng tham gia, thi đấu theo thể thức vòng tròn.",
         "Các trận đấu diễn ra sôi nổi, hấp dẫn, thu hút đông đảo khán giả.",
         "Ban Tổ chức trao cúp và giải thưởng cho các đội xuất sắc.",
         "Giải nhằm phát triển phong trào thể dục, thể thao quần chúng ở cơ sở.",
         "Trận chung kết dự kiến diễn ra vào cuối tuần sau.")),
    "culture": T(
        ("Lễ hội Cà phê Buôn Ma Thuột lần thứ 8 chuẩn bị khai mạc",
         "Đêm văn nghệ cồng chiêng tại {commune}",
         "Trưng bày chuyên đề văn hóa Tây Nguyên tại Bảo tàng tỉnh"),
        ("Nhằm tôn vinh bản sắc văn hóa các dân tộc Tây Nguyên, {unit} tổ chức chương trình nghệ thuật đặc sắc.",),
        ("Chương trình có sự tham gia của các nghệ nhân cồng chiêng đến từ các buôn làng.",
         "Du khách được thưởng thức ẩm thực truyền thống và tìm hiểu nghề dệt thổ cẩm.",
         "Hoạt động góp phần quảng bá hình ảnh du lịch của tỉnh.",
         "Nhiều hiện vật quý lần đầu được giới thiệu đến công chúng.",
         "Chương trình kéo dài đến hết tháng, mở cửa miễn phí cho người dân.")),
    "traffic": T(
        ("Tai nạn giao thông trên Quốc lộ 14 đoạn qua {place}",
         "Phân luồng giao thông phục vụ thi công nút giao trung tâm {place}",
         "Xử lý {n} trường hợp vi phạm nồng độ cồn trong tháng"),
        ("Khoảng {hour} giờ ngày {day}, trên tuyến Quốc lộ 14 đoạn qua {place} đã xảy ra vụ va chạm giữa xe tải và xe máy.",),
        ("Lực lượng chức năng đã có mặt kịp thời để điều tiết giao thông.",
         "Vụ việc đang được cơ quan công an điều tra làm rõ nguyên nhân.",
         "Người tham gia giao thông được khuyến cáo chấp hành đúng tốc độ cho phép.",
         "Đơn vị thi công bố trí biển báo, đèn tín hiệu và người hướng dẫn tại hiện trường.",
         "Cảnh sát giao thông tăng cường tuần tra, kiểm soát vào giờ cao điểm.")),
    "prices": T(
        ("Giá cà phê hôm nay tại Đắk Lắk tăng {n} đồng/kg",
         "Giá hồ tiêu đi ngang, sầu riêng được mùa tại {place}",
         "Giá phân bón tăng cao, nông dân {place} gặp khó"),
        ("Sáng {day}, giá cà phê nhân xô tại các đại lý thu mua ở {place} dao động quanh mức {n}.000 đồng/kg.",),
        ("Thương lái cho biết nhu cầu thu mua đầu vụ khá ổn định.",
         "Nhiều hộ dân chưa vội bán ra vì kỳ vọng giá tiếp tục tăng.",
         "Chi phí vật tư đầu vào cao khiến lợi nhuận của nông dân giảm.",
         "Giá hồ tiêu ổn định ở mức {n}.000 đồng/kg.",
         "Các doanh nghiệp xuất khẩu đang đẩy mạnh ký hợp đồng giao hàng kỳ hạn.")),
    "weather": T(
        ("Mưa lớn gây ngập úng cục bộ tại {place}",
         "Dự báo thời tiết Tây Nguyên tuần tới có mưa rào và dông"),
        ("Do ảnh hưởng của hoàn lưu áp thấp, đêm {day} trên địa bàn {place} có mưa to.",),
        ("Nhiều diện tích hoa màu của người dân bị ngập úng.",
         "Chính quyền địa phương đã cử lực lượng hỗ trợ người dân khắc phục hậu quả.",
         "Người dân cần đề phòng lốc, sét và gió giật mạnh trong cơn dông.",
         "Nhiệt độ thấp nhất về đêm phổ biến từ 18 đến 20 độ C.")),
    "admin": T(
        ("Thông báo tuyển dụng viên chức năm {year} của {unit}",
         "Lịch tiếp công dân của lãnh đạo {unit} tháng {month}",
         "{unit} công khai thủ tục hành chính mới được chuẩn hóa",
         "Thông báo về việc nghỉ Tết Dương lịch năm {year}"),
        ("{unit} thông báo đến các tổ chức, cá nhân có liên quan được biết.",),
        ("Hồ sơ nộp trực tiếp tại bộ phận một cửa hoặc qua dịch vụ công trực tuyến.",
         "Thời gian tiếp nhận từ 7 giờ 30 đến 17 giờ các ngày làm việc trong tuần.",
         "Mọi thắc mắc xin liên hệ Văn phòng đơn vị để được hướng dẫn.",
         "Thông báo này được niêm yết công khai tại trụ sở cơ quan và đăng trên trang thông tin điện tử.",
         "Các đơn vị trực thuộc có trách nhiệm phổ biến đến cán bộ, công chức, viên chức.")),
    # hard negatives: official words, no plan theme (codebook: routine appointments, ordinary HĐND acts)
    "appointment": T(
        ("Trao quyết định bổ nhiệm Phó Giám đốc {unit}",
         "Công bố quyết định điều động, bổ nhiệm cán bộ tại {place}"),
        ("Chiều {day}, {unit} tổ chức lễ công bố và trao quyết định bổ nhiệm cán bộ lãnh đạo.",),
        ("Theo quyết định, ông {person} được bổ nhiệm giữ chức Phó Giám đốc, thời hạn 5 năm.",
         "Phát biểu nhận nhiệm vụ, tân Phó Giám đốc cảm ơn sự tin tưởng của lãnh đạo.",
         "Quyết định có hiệu lực kể từ ngày ký.")),
    "hdnd-act": T(
        ("Nghị quyết HĐND tỉnh quy định mức thu phí tham quan danh lam thắng cảnh",
         "HĐND {place} thông qua Nghị quyết về đặt tên đường"),
        ("HĐND tỉnh vừa ban hành Nghị quyết quy định mức thu, chế độ thu, nộp, quản lý và sử dụng phí trên địa bàn.",),
        ("Nghị quyết áp dụng đối với tổ chức, cá nhân có liên quan trên địa bàn tỉnh.",
         "Mức thu phí được điều chỉnh phù hợp với điều kiện thực tế của địa phương.",
         "Nghị quyết có hiệu lực sau 10 ngày kể từ ngày ký ban hành.")),
}

GENERIC = ("Phát biểu chỉ đạo, đồng chí {person} đề nghị các đơn vị phát huy kết quả đạt được.",
           "Tham dự có đại diện lãnh đạo các sở, ngành và địa phương liên quan.",
           "Thời gian tới, đơn vị sẽ tiếp tục tăng cường phối hợp để thực hiện tốt nhiệm vụ.",
           "Lãnh đạo {unit} đánh giá cao sự vào cuộc của các cấp, các ngành.")

REPOST_CREDIT = "Theo Cổng TTĐT tỉnh"


@dataclass(frozen=True)
class Text:
    title: str
    sapo: str
    paragraphs: tuple[str, ...]
    author: str


def _fill(tpl: str, slots: dict[str, str]) -> str:
    return tpl.format(**slots)


def unit_label(short_name: str, kind: str) -> str:
    """How a sentence names the publishing unit: "UBND huyện Krông Pắc", "Sở Y tế"."""
    if kind == "district":
        return "UBND " + (home_place(short_name, kind) or short_name)
    return short_name


def home_place(short_name: str, kind: str) -> str | None:
    """A district's own name as a sentence would say it ("huyện Krông Pắc"), else None."""
    if kind != "district":
        return None
    if short_name.startswith("TX. "):
        return "thị xã " + short_name[4:]
    return short_name[0].lower() + short_name[1:] if short_name.startswith("Huyện") else short_name


def slots_for(rng: random.Random, unit: str, year: int, day: str, home: str | None = None) -> dict[str, str]:
    place = rng.choice(PLACES)
    if home and rng.random() < 0.7:  # district sites mostly write about their own district
        place = home
    return {"unit": unit, "year": str(year), "day": day, "place": place,
            "commune": rng.choice(COMMUNES), "person": rng.choice(PEOPLE), "n": str(rng.randint(12, 480)),
            "n2": str(rng.randint(20, 30)), "pct": str(rng.randint(72, 99)),
            "small": f"{rng.randint(3, 9)},{rng.randint(0, 9)}", "ord": rng.choice(ORDINALS),
            "hour": str(rng.randint(6, 21)), "month": str(rng.randint(1, 12))}


def title_for(rng: random.Random, topics: list[str], unit: str, year: int, day: str,
              home: str | None = None) -> tuple[str, dict]:
    """Title (from the first topic) and the slots to reuse for the body."""
    slots = slots_for(rng, unit, year, day, home)
    topic = THEME_TOPICS.get(topics[0]) or NONE_TOPICS[topics[0]]
    title = _fill(rng.choice(topic.titles), slots)
    return title[0].upper() + title[1:], slots


def body_for(rng: random.Random, topics: list[str], slots: dict[str, str]) -> tuple[str, tuple[str, ...], str]:
    """Sapo, body paragraphs and author byline for an article on the given topics."""
    main = THEME_TOPICS.get(topics[0]) or NONE_TOPICS[topics[0]]
    sapo = _fill(rng.choice(main.leads), slots)
    pool: list[str] = list(main.sentences)
    for extra in topics[1:]:
        pool.extend((THEME_TOPICS.get(extra) or NONE_TOPICS[extra]).sentences)
    rng.shuffle(pool)
    generic = list(GENERIC)
    rng.shuffle(generic)
    pool += generic[: rng.randint(1, 3)]
    paras: list[str] = []
    while pool:  # each sentence once: real articles do not repeat themselves
        k = rng.randint(2, 3)
        paras.append(" ".join(_fill(x, slots) for x in pool[:k]))
        pool = pool[k:]
    return sapo[0].upper() + sapo[1:], tuple(paras), rng.choice(AUTHORS)
